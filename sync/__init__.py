"""Everything that crosses the network: wire protocol, the device-side client and the county server."""
