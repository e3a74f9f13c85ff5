"""Models of the leads app: Companies, leads, behaviour events, stage transitions, sales touches, the scoring engine and the pipeline."""
