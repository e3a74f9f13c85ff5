"""Forms of the sla app."""
