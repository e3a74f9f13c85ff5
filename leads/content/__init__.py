"""Sales enablement on leads: content suggested for a lead, sent to it and rated by the rep,
and what followed each send; and the journey map, which counts leads and their events.

The assets themselves, their stages and personas, are the journeys app's; what ties them to
leads lives here, because journeys may not read leads (personas ← journeys ← leads).
"""
