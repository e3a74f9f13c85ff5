"""Models of the reports app: Funnel, source and campaign quality, SLA compliance, goals and the weekly meeting screen."""
