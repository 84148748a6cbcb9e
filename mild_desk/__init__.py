"""mild-desk: scheduling and prep enforcement for clinics that perform the MILD procedure."""

__version__ = "0.1.0"
