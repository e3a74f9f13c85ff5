"""Django admin of the personas app."""
