"""Models of the personas app: Documented buyer personas and the rules that match leads to them."""
