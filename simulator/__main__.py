"""python -m simulator: the reference charge point (see docs/contracts.md §4 and §5)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import sys

import yaml

from . import behaviours as behaviours_module
from . import faults as faults_module
from .config import PicsError, Settings
from .persistence import default_path


_SECRET = re.compile(r"""(["']key["']\s*:\s*["']AuthorizationKey["']\s*,\s*["']value["']\s*:\s*)["'][^"']*["']""",
                     re.IGNORECASE)


class RedactSecrets(logging.Filter):
    """The AuthorizationKey never reaches a log line, even at DEBUG with raw frames."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "authorizationkey" in message.lower():
            record.msg, record.args = _SECRET.sub(r'\1"***"', message), None
        return True


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Reference OCPP 1.6J charge point, configured from a PICS file, driven over a control "
                    "channel (CONTROL 127.0.0.1:<port> on stdout), with named faults to inject.")
    parser.add_argument("--pics", help="PICS YAML file")
    parser.add_argument("--url", help="ws://HOST:PORT[/prefix] of the Central System; the charger connects "
                                      "to URL/<test_setup.charge_point_id>")
    parser.add_argument("--fault", action="append", default=[], metavar="NAME",
                        help="inject a named fault (repeatable); see --list-faults")
    parser.add_argument("--behaviour", action="append", default=[], metavar="NAME",
                        help="switch on a named allowed behaviour, one OCPP 1.6 permits (repeatable); "
                             "see --list-behaviours")
    parser.add_argument("--state-file", help="state file (default: a temp file named after the charge point id)")
    parser.add_argument("--control-port", type=int, default=0, help="control channel port (default: any free)")
    parser.add_argument("--reply-delay-ms", type=int, default=0, help="delay every CALLRESULT by N ms")
    parser.add_argument("--ca-file", help="CA bundle for wss:// URLs (the installed CentralSystemRootCertificate); "
                                           "https:// and ftps:// firmware and diagnostics locations trust it too")
    parser.add_argument("--manufacturer-root", default=os.environ.get("OCPP_SIM_MANUFACTURER_ROOT"), metavar="FILE",
                        help="a ManufacturerRootCertificate installed at the factory, so firmware its vendor "
                             "signed verifies (default: $OCPP_SIM_MANUFACTURER_ROOT; none)")
    parser.add_argument("--cert-file", help="ChargePointCertificate (PEM chain) presented at security profile 3")
    parser.add_argument("--key-file", help="the private key of --cert-file")
    parser.add_argument("--log-level", default="INFO", help="log level on stderr (default INFO)")
    parser.add_argument("--list-faults", action="store_true", help="print the fault table and exit")
    parser.add_argument("--list-behaviours", action="store_true", help="print the allowed behaviour table and exit")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list_faults:
        print(faults_module.table())
        return 0
    if args.list_behaviours:
        print(behaviours_module.table())
        return 0
    try:
        faults = faults_module.Faults(args.fault)
    except faults_module.UnknownFault as exc:
        parser.error(str(exc))
    try:
        behaviours = behaviours_module.Behaviours(args.behaviour)
    except behaviours_module.UnknownBehaviour as exc:
        parser.error(str(exc))
    if not args.pics or not args.url:
        parser.error("--pics and --url are required")
    if not args.url.startswith(("ws://", "wss://")):
        parser.error("--url must start with ws:// or wss://")
    if bool(args.cert_file) != bool(args.key_file):
        parser.error("--cert-file and --key-file go together")
    if args.reply_delay_ms < 0:
        parser.error("--reply-delay-ms must be >= 0")
    try:
        with open(args.pics, encoding="utf-8") as fh:
            settings = Settings.from_pics(yaml.safe_load(fh))
    except (OSError, yaml.YAMLError, PicsError, KeyError, TypeError, ValueError) as exc:
        parser.error(f"cannot configure from {args.pics}: {exc}")
    missing = behaviours.missing_features(settings.feature)
    if missing:
        parser.error(f"behaviour not possible with {args.pics}: {'; '.join(missing)} (= No in the PICS)")
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, args.log_level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets())
    logging.getLogger("websockets").setLevel(logging.WARNING)
    if args.log_level.upper() != "DEBUG":
        logging.getLogger("simulator.ocpp").setLevel(logging.WARNING)   # raw frames (may carry secrets)
    from .station import Station

    station = Station(settings, args.url, faults, args.state_file or default_path(settings.charge_point_id),
                      reply_delay_s=args.reply_delay_ms / 1000.0, control_port=args.control_port,
                      ca_file=args.ca_file, manufacturer_root=args.manufacturer_root,
                      client_certificate=(args.cert_file, args.key_file) if args.cert_file else None,
                      behaviours=behaviours)
    if list(faults):
        logging.getLogger("simulator").warning("faults injected: %s", ", ".join(faults))
    if list(behaviours):
        logging.getLogger("simulator").info("allowed behaviours: %s", ", ".join(behaviours))
    try:
        asyncio.run(station.run())
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
