"""Pages of the journeys app: none of their own. The journey map and the content library
read leads, so they are served by ``leads.content.views``."""
