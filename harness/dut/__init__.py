"""Device control: physical actions on the device under test, through pluggable adapters.

``hookimpl`` is what a vendor's bench adapter decorates its methods with (see :mod:`.hookspecs`).
"""

from harness.dut.control import DeviceControl, plugin_manager
from harness.dut.hookspecs import hookimpl

__all__ = ["DeviceControl", "hookimpl", "plugin_manager"]
