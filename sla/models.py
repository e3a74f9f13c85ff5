"""Models of the sla app: The agreement between the teams, per-lead SLA clocks, breaches and shared SMART goals."""
