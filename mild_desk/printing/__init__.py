"""Printed documents: PDF bytes from the read models (reportlab, imported lazily; no database,
no Qt). Start at `mild_desk.printing.render`."""
