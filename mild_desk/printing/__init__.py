"""mild-desk."""
