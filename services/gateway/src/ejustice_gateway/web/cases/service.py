"""A person's cases as the pages show them: the next step of each, and the dossier as a timeline."""

from urllib.parse import urlencode, urlsplit

from ejustice_gateway.web.api import Portal, expect

# What the person does next, by status; a submitted filing whose fee is assessed waits for payment.
NEXT_STEPS = {"draft": "finish", "submitted": "pay", "forwarded": "wait-court", "accepted": "follow",
              "returned": "correct"}


def next_step(filing: dict) -> str:
    if filing["status"] == "submitted" and not (filing.get("fee") and filing.get("fee", {}).get("amount")):
        return "wait-fee"
    if filing["status"] == "submitted" and filing.get("payment"):
        return "wait-court"
    return NEXT_STEPS.get(filing["status"], "follow")


def timeline(dossier: list[dict]) -> list[dict]:
    """Each dossier entry as a step: when, what happened, who acted and on whose behalf."""
    steps = []
    for entry in dossier:
        actor = entry.get("actor") or {}
        for event in entry.get("events", []):
            steps.append({"at": entry["at"], "type": event.get("type") or event.get("data", {}).get("event_type"),
                          "roles": actor.get("roles") or ["system"], "on_behalf_of": actor.get("on_behalf_of"),
                          "office_id": actor.get("office_id"), "court_id": actor.get("court_id"),
                          "seq": entry["seq"]})
    return steps


def return_path(filing_id: str, payment_id: str) -> str:
    return f"/cases/{filing_id}/payments/{payment_id}"


async def start_payment(portal: Portal, filing: dict) -> str:
    """Ask payment for the fee (once per assessment) → where the person pays, coming back to the receipt."""
    fee = filing.get("fee") or {}
    key = f"portal-fee-{filing['id']}-{fee.get('assessment_id', '')}"
    answer = await portal.call("POST", "/payments", json={"filing_id": filing["id"]},
                               headers={"idempotency-key": key})
    if answer.status_code == 409 and answer.json().get("payment_id"):
        payment = answer.json()
    else:
        payment = expect(answer, 200, 201)
    pay_url = payment["pay_url"]
    back = return_path(filing["id"], payment["payment_id"])
    if payment.get("provider", "sandbox") == "sandbox":  # the sandbox's page is served behind this same gateway
        pay_url = urlsplit(pay_url).path
    separator = "&" if "?" in pay_url else "?"
    return f"{pay_url}{separator}{urlencode({'return_to': back})}"
