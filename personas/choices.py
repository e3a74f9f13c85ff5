"""The answers of a persona's profile that are a choice: one module, so that the model, the
forms, the API and the history all name them from here."""

from __future__ import annotations

from django.db import models


class Gender(models.TextChoices):
    ANY = "any", "Any / not a factor"
    MOSTLY_WOMEN = "mostly_women", "Mostly women"
    MOSTLY_MEN = "mostly_men", "Mostly men"


class MaritalStatus(models.TextChoices):
    MIXED = "mixed", "Mixed / not a factor"
    MOSTLY_SINGLE = "mostly_single", "Mostly single"
    MOSTLY_PARTNERED = "mostly_partnered", "Mostly married or partnered"


class Children(models.TextChoices):
    MIXED = "mixed", "Mixed / not a factor"
    NONE = "none", "Mostly no children"
    YOUNG = "young", "Mostly young children"
    OLDER = "older", "Mostly older children"


class Education(models.TextChoices):
    SECONDARY = "secondary", "Secondary school"
    VOCATIONAL = "vocational", "Vocational training"
    BACHELOR = "bachelor", "Bachelor's degree"
    MASTER = "master", "Master's degree or MBA"
    DOCTORATE = "doctorate", "Doctorate"
    MIXED = "mixed", "Mixed"


class Currency(models.TextChoices):
    USD = "USD", "US dollars"
    EUR = "EUR", "Euros"
    GBP = "GBP", "Pounds sterling"


class ResearchPreference(models.TextChoices):
    ONLINE = "online", "Mostly online research"
    WORD_OF_MOUTH = "word_of_mouth", "Mostly word of mouth"
    BOTH = "both", "Both equally"


class ResearchSource(models.TextChoices):
    SEARCH = "search", "Search engines"
    REVIEW_SITES = "review_sites", "Review sites (G2, Capterra…)"
    PEERS = "peers", "Peers and word of mouth"
    ANALYSTS = "analysts", "Analysts and industry reports"
    VENDOR_SITES = "vendor_sites", "Vendors' websites"
    SOCIAL = "social", "Social media"
    EVENTS = "events", "Events and webinars"
    COMMUNITIES = "communities", "Online communities and forums"
    SALES = "sales", "Talking to sales"


class BuyingFactor(models.TextChoices):
    PRICE = "price", "Price"
    QUALITY = "quality", "Quality"
    REPUTATION = "reputation", "Brand reputation"
    FEATURES = "features", "Features"
    EASE_OF_USE = "ease_of_use", "Ease of use"
    SUPPORT = "support", "Support and service"
    INTEGRATIONS = "integrations", "Integrations"
    SECURITY = "security", "Security and compliance"
    REVIEWS = "reviews", "Reviews and references"
    TIME_TO_VALUE = "time_to_value", "Time to value"


class SocialPlatform(models.TextChoices):
    LINKEDIN = "linkedin", "LinkedIn"
    X = "x", "X (Twitter)"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    YOUTUBE = "youtube", "YouTube"
    TIKTOK = "tiktok", "TikTok"
    REDDIT = "reddit", "Reddit"
    SLACK = "slack", "Slack communities"


class ContentType(models.TextChoices):
    BLOG = "blog", "Blog articles"
    CASE_STUDY = "case_study", "Case studies"
    WEBINAR = "webinar", "Webinars"
    VIDEO = "video", "Videos"
    PODCAST = "podcast", "Podcasts"
    WHITEPAPER = "whitepaper", "Whitepapers and e-books"
    NEWSLETTER = "newsletter", "Newsletters"
    TEMPLATE = "template", "Templates and tools"
    RESEARCH = "research", "Research reports"
    DEMO = "demo", "Product demos"


class ContactChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    SOCIAL = "social", "Social media"
    VIDEO_CALL = "video_call", "Video call"
    IN_PERSON = "in_person", "In person"
    TEXT = "text", "Text messaging"
    CHAT = "chat", "Live chat"


class Priority(models.TextChoices):
    SUSTAINABILITY = "sustainability", "Sustainability"
    CONVENIENCE = "convenience", "Convenience"
    COST_SAVINGS = "cost_savings", "Cost savings"
    TIME_SAVING = "time_saving", "Saving time"
    INNOVATION = "innovation", "Innovation"
    RELIABILITY = "reliability", "Reliability"
    PRIVACY = "privacy", "Security and privacy"


class BrandLoyalty(models.TextChoices):
    LOW = "low", "Low: switches readily"
    MEDIUM = "medium", "Medium: switches for a clear gain"
    HIGH = "high", "High: sticks with brands they trust"


class ProfileSection(models.TextChoices):
    """The twelve question groups of a persona's profile (``personas.profile``), in order."""

    DEMOGRAPHICS = "demographics", "Demographics"
    PROFESSIONAL = "professional", "Professional background"
    GOALS = "goals", "Goals and challenges"
    PAIN_POINTS = "pain_points", "Pain points and needs"
    BUYING = "buying", "Buying behaviour"
    ONLINE = "online", "Online behaviour"
    INTERESTS = "interests", "Interests and hobbies"
    COMMUNICATION = "communication", "Communication preferences"
    VALUES = "values", "Influences and values"
    OBJECTIONS = "objections", "Objections and barriers"
    LOYALTY = "loyalty", "Brand loyalty and affinities"
    FEEDBACK = "feedback", "Feedback and suggestions"
