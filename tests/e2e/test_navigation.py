"""Each demo user logs in through the real login page and walks the navigation."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from smarketing.accounts import DEMO_PASSWORD, DEMO_USERS, demo_users_ensure
from smarketing.roles import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EVERYONE_SEES = [
    "Pipeline",
    "Leads",
    "Personas",
    "Journeys",
    "Content",
    "SLA & goals",
    "Reports",
    "Meeting",
    "How we score",
    "Glossary",
]

# Pages whose heading says more than their label in the navigation.
HEADINGS = {
    "Admin": "Revenue operations",
    "How we score": "How we score and qualify",
    "Journeys": "Journey map",
    "Content": "Content library",
    "SLA & goals": "The service-level agreement",
}


def _log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/pipeline/")


@pytest.mark.parametrize("demo", DEMO_USERS, ids=lambda demo: demo.username)
def test_demo_user_logs_in_and_walks_the_navigation(page, demo):
    demo_users_ensure()
    _log_in(page, demo.username)
    navigation = page.get_by_role("navigation", name="Main navigation")
    labels = [label.strip() for label in navigation.locator(".nav-link").all_inner_texts()]
    expected = list(EVERYONE_SEES)
    if demo.role in (Role.SALES, Role.SALES_MANAGER, Role.ADMIN):
        expected.insert(2, "My queue")
    if demo.role == Role.ADMIN:
        expected += ["Scoring lab", "Admin"]
    assert labels == expected

    for label in labels:
        page.get_by_role("navigation", name="Main navigation").get_by_role(
            "link", name=label
        ).click()
        page.wait_for_load_state()
        heading = page.get_by_role("heading", level=1).first.inner_text().strip()
        if label == "Meeting":
            # The projector's screen: nothing but the meeting; the way back is the browser's.
            assert heading.startswith("The week of")
            page.go_back()
            continue
        assert heading == HEADINGS.get(label, label)
        if label == "Admin":
            page.go_back()

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")


@pytest.mark.parametrize("width", [1200, 1366, 1440, 1600, 1920])
def test_the_admins_navigation_keeps_to_one_line_on_a_laptop(page, width):
    demo_users_ensure()
    # A name longer than the user menu shows: the menu at its widest.
    User.objects.filter(username="admin").update(
        first_name="Maximiliana-Josephine", last_name="Papadopoulou-Vanderberg"
    )
    page.set_viewport_size({"width": width, "height": 768})
    _log_in(page, "admin")
    navigation = page.get_by_role("navigation", name="Main navigation")
    links = navigation.locator(".nav-link")
    expect(links.last).to_have_text("Admin")  # the admin sees every item
    boxes = [link.bounding_box() for link in links.all()]
    boxes.append(page.get_by_test_id("user-menu").bounding_box())
    middles = {round(box["y"] + box["height"] / 2) for box in boxes}
    assert max(middles) - min(middles) <= 2, f"the navigation wraps at {width} px"
    assert all(box["height"] < 48 for box in boxes), "a label wraps onto two lines"
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    ), f"the page scrolls sideways at {width} px"
    expect(page.get_by_test_id("user-menu")).to_have_accessible_name(
        "Maximiliana-Josephine Papadopoulou-Vanderberg"
    )
