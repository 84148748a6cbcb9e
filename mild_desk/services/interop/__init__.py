"""Interoperability: patient CSV import and export, iCalendar feeds and FHIR R4 bundles."""
