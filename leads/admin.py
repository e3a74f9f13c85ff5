"""Django admin of the leads app."""
