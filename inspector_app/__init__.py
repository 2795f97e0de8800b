"""Inspector: offline-first enforcement records for county hazardous-chemical safety inspectors."""
