"""The scoring engine: versioned scoring models, their rules, and the compiler that turns the
active model into set-based SQL."""
