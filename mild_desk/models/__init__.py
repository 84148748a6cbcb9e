"""Tables, enums and typed ids."""
