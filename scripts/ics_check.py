"""Checks `scout serve`'s meetings.ics with Python's icalendar (see scripts/ics-check)."""
import http.client
import json
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar

port, token = int(sys.argv[1]), sys.argv[2]
conn = http.client.HTTPConnection("127.0.0.1", port)
auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def call(method, path, body=None):
    conn.request(method, path, json.dumps(body) if body is not None else None, auth)
    r = conn.getresponse()
    data = r.read()
    return r.status, data


status, data = call("POST", "/api/candidates", {"name": "Calendar Check"})
assert status == 201, data
cid = json.loads(data)["candidate"]["id"]

# (starts_at, time_zone or None, minutes)
MEETINGS = [
    ("2026-05-01T10:00", "Europe/Zurich", 60),
    ("2026-10-25T01:30", "Europe/Zurich", 120),  # across the fall-back change
    ("2026-10-25T02:30", "Europe/Zurich", 30),  # the repeated hour: the earlier one
    ("2026-10-25T02:30:00+01:00", "Europe/Zurich", 30),  # the later one, by offset
    ("2026-03-08T01:30", "America/New_York", 90),  # across spring-forward
    ("2026-11-01T01:30", "America/New_York", 45),
    ("2026-07-01T09:00", "Australia/Lord_Howe", 60),  # a 30-minute DST shift
    ("2026-10-04T01:30", "Australia/Lord_Howe", 60),  # across it
    ("2026-06-01T15:00", "Asia/Kolkata", 45),
    ("2026-01-15T09:00", "Asia/Tokyo", 30),
    ("2027-03-28T00:30", "Europe/London", 60),  # across the UK change
    ("2026-05-01T08:00:00Z", None, 30),  # UTC
]
stored = {}
for starts, zone, minutes in MEETINGS:
    body = {"title": f"{zone} {starts}", "starts_at": starts, "duration_minutes": minutes}
    if zone:
        body["time_zone"] = zone
    status, data = call("POST", f"/api/candidates/{cid}/meetings", body)
    assert status == 201, (body, data)
    m = json.loads(data)["meeting"]
    stored[f"meeting-{m['id']}@scout.local"] = m

status, ics = call("GET", f"/api/candidates/{cid}/meetings.ics")
assert status == 200, ics
cal = icalendar.Calendar.from_ical(ics)

# Time zones built only from the file's VTIMEZONEs.
own = {tz["TZID"]: tz.to_tz(lookup_tzid=False) for tz in cal.walk("VTIMEZONE")}
used = {m["time_zone"] for m in stored.values() if m["time_zone"] != "UTC"}
assert set(own) == used, (sorted(own), sorted(used))


def utc(dt):
    return dt.astimezone(timezone.utc).replace(microsecond=0)


def parse_utc(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def raw_to_utc(prop):
    """The property's value read by hand: naive wall time + TZID from the file's VTIMEZONE."""
    text = prop.to_ical().decode()
    tzid = prop.params.get("TZID")
    naive = datetime.strptime(text.rstrip("Z"), "%Y%m%dT%H%M%S")
    if tzid is None:
        assert text.endswith("Z"), text
        return naive.replace(tzinfo=timezone.utc)
    # fold=0: RFC 5545 reads a repeated wall time as its first occurrence.
    return utc(naive.replace(tzinfo=own[tzid], fold=0))


events = cal.walk("VEVENT")
assert len(events) == len(stored), (len(events), len(stored))
checked = 0
for ev in events:
    uid = str(ev["UID"])
    m = stored[uid]
    for prop, key in (("DTSTART", "starts_at"), ("DTEND", "ends_at")):
        want = parse_utc(m[key])
        got = raw_to_utc(ev[prop])
        if got != want:
            sys.exit(f"{uid} {prop}: the calendar says {got}, the server stored {want} ({m['time_zone']})")
        # Python's own tz database agrees with the VTIMEZONE at this instant.
        if m["time_zone"] != "UTC":
            real = want.astimezone(ZoneInfo(m["time_zone"])).utcoffset()
            ours = want.astimezone(own[m["time_zone"]]).utcoffset()
            if real != ours:
                sys.exit(f"{uid} {prop}: VTIMEZONE offset {ours}, zoneinfo {real} ({m['time_zone']})")
            local = datetime.fromisoformat(m[key.replace("_at", "_local")])
            if local.utcoffset() != real or local.astimezone(timezone.utc) != want:
                sys.exit(f"{uid}: the API's local time {local} disagrees with zoneinfo")
        checked += 1
print(f"ics-check: {len(events)} events, {len(own)} VTIMEZONEs ({', '.join(sorted(own))}); "
      f"{checked} DTSTART/DTEND read by icalendar {icalendar.__version__} equal the stored instants "
      f"and zoneinfo's offsets")
