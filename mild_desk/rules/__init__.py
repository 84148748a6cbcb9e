"""Pure rules: slots, conflicts, holds, readiness, states. No I/O, no clock, no Qt."""
