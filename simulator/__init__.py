"""The reference charge point: an independent OCPP 1.6J charge point built on the ``ocpp`` library (never on
``harness``), configured from a PICS file, driven over a control channel, with named faults to inject and
named allowed behaviours (what OCPP 1.6 permits but the defaults do not do) to switch on.

Layout, by functional block:

| module            | block                                                                          |
|-------------------|--------------------------------------------------------------------------------|
| ``__main__``      | the command line                                                               |
| ``station``       | process lifecycle: power, network, connect/reconnect, boot, heartbeat, reboot  |
| ``device``        | wiring of the blocks (rebuilt from the state file at every boot)               |
| ``charge_point``  | the ``ocpp.v16.ChargePoint`` subclass: thin OCPP handlers                      |
| ``link``          | the ordered lane of CP-initiated CALLs; online / offline                       |
| ``status``        | StatusNotification reporting (MinimumStatusDuration, reconnect)                |
| ``connectors``    | the connector status machine (a table), cables, availability                   |
| ``sessions``      | plug-in, idTag, remote start/stop, unlock, EV-side disconnect, timeouts        |
| ``authorization`` | Authorize, the authorization cache, the local list                             |
| ``transactions``  | transactions, meter values, transaction ids, the offline queue                 |
| ``metering``      | the energy meter and sampled values                                            |
| ``config``        | the PICS as settings; configuration keys, accessibility, validation            |
| ``persistence``   | the state file                                                                 |
| ``control``       | the JSON-lines control channel (docs/contracts.md §4)                          |
| ``faults``        | the named faults (docs/contracts.md §5)                                        |
| ``behaviours``    | the named allowed behaviours (docs/faults.md, "Allowed behaviours …")          |
| ``clock``, ``tasks`` | time stamps and alignment; background task ownership                        |
"""
