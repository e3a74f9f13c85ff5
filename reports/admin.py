"""Django admin of the reports app."""
