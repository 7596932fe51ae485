"""Logs mask national IDs and mobile numbers by what they are, keep the numbers people read out on the
phone, and carry the trace id of the span they were written in."""

import json
import subprocess
import sys

from ejustice_shared.logs import mask
from tests.support.people import iranian_mobile, iranian_national_code

TRACKING_CODE = "140509981235"  # what a filer reads out: no national ID, no mobile


def test_national_ids_and_mobiles_are_masked_in_any_form():
    code, mobile = iranian_national_code(4242), iranian_mobile(4242)
    local = "0" + mobile.removeprefix("+98")
    persian = local.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    spaced = f"{local[:4]} {local[4:7]} {local[7:]}"
    text = f"code {code}, mobile {mobile}, {local}, {persian}, {spaced}, Vietnam 0912345678 +84912345678 001199012345"
    masked = mask(text)
    for personal in (code, mobile, local, persian, spaced, "0912345678", "+84912345678", "001199012345"):
        assert personal not in masked, masked
    assert masked.count("*") > 50 and code[-2:] in masked


def test_tracking_case_and_receipt_numbers_stay_readable():
    from ejustice_payment.receipts.service import receipt_number

    receipt = receipt_number()
    text = f"tracking {TRACKING_CODE} case 140509981234 receipt {receipt} amount 500000000 verification 12345678"
    assert mask(text) == text


def test_a_log_line_carries_the_trace_id_and_masks_fields():
    script = """
import sys
from opentelemetry import trace
from ejustice_shared import logs, telemetry
logs.configure("test")
telemetry.configure("test", None)
with trace.get_tracer("t").start_as_current_span("work") as span:
    logs.get().info("filed", tracking_code=sys.argv[1], national_id=sys.argv[2], note="call " + sys.argv[3])
    print(format(span.get_span_context().trace_id, "032x"))
"""
    code, mobile = iranian_national_code(77), iranian_mobile(77)
    run = subprocess.run([sys.executable, "-c", script, TRACKING_CODE, code, mobile], capture_output=True, text=True,
                         check=True, timeout=60)
    line = json.loads(next(x for x in run.stderr.splitlines() if '"filed"' in x))
    assert line["trace_id"] == run.stdout.strip() and len(line["span_id"]) == 16
    assert line["tracking_code"] == TRACKING_CODE
    assert code not in line["national_id"] and mobile not in line["note"] and line["note"].endswith(mobile[-2:])
