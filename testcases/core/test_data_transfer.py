"""4.17 Data transfer: TC_062_CS."""

from __future__ import annotations

import json

from harness.testcase import testcase

#: A vendorId (reversed DNS, as §4.3 recommends) under a reserved domain: no charge point implements it.
UNKNOWN_VENDOR_ID = "com.example.octt.unknown-vendor"


@testcase("TC_062_CS", "Data Transfer to a Charge Point", block="core")
async def test_data_transfer_to_charge_point(cs):
    """DataTransfer with a vendorId the charge point has no implementation for is answered UnknownVendorId.

    The plan [T] also lets Rejected pass (a vendor's note: "We reject all data transfers"); the specification
    does not: "If the recipient of the request has no implementation for the specific vendorId it SHALL return
    a status 'UnknownVendor' and the data element SHALL not be present" (OCPP 1.6 §4.3, applied to the
    Central System's DataTransfer by §5.6). The spec wins: only UnknownVendorId, without data, passes."""
    response = await cs.call("DataTransfer", vendorId=UNKNOWN_VENDOR_ID, messageId="TestMessage", data="test")
    cs.require(response["status"] == "UnknownVendorId",
               f"DataTransfer(vendorId={UNKNOWN_VENDOR_ID}) answered {response['status']}; expected UnknownVendorId")
    cs.require("data" not in response.payload,
               f"DataTransfer.conf UnknownVendorId carries data ({json.dumps(response.payload.get('data'))}), which "
               "it SHALL not")
