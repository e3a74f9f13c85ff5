"""Models of the journeys app: Journey stages, their diagnostic questions, and the content that serves each stage and persona."""
