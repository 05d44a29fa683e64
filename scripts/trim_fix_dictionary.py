#!/usr/bin/env python3
"""Trims a QuickFIX data dictionary (FIX42.xml, FIX44.xml) to the messages Ballast uses.

Kept: the header, the trailer, the session-level (admin) messages 0,1,2,3,4,5,A, the
application messages D, F, G, H, 8, 9, j, V, W, X, Y (and q, r where the version has them:
FIX 4.3+), and every component, group and field they
reference (recursively). Field definitions (numbers, types, enum values) are copied unchanged.

The result is Ballast's "rules of engagement" dictionary: QuickFIX validates every inbound message
against it (an unknown message type or a missing required tag gets a session Reject).

Usage:
  scripts/trim_fix_dictionary.py SRC.xml OUT.xml
  scripts/trim_fix_dictionary.py --all   # regenerate adapters/fix/dictionaries/FIX42.xml, FIX44.xml
"""
import os
import sys
import xml.etree.ElementTree as ET

ADMIN_TYPES = ["0", "1", "2", "3", "4", "5", "A"]
APP_TYPES = ["D", "F", "G", "H", "8", "9", "j", "V", "W", "X", "Y"]
KEEP_TYPES = set(ADMIN_TYPES + APP_TYPES)
# Kept where the version has them (FIX 4.3 and later): OrderMassCancelRequest and its report, for
# the kill switch's mass cancel (docs/fix.md, "Mass cancel").
OPTIONAL_TYPES = {"q", "r"}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SRC = os.path.join(ROOT, "..", "shared", "data", "fix", "dictionaries_quickfix")
DEFAULT_OUT = os.path.join(ROOT, "adapters", "fix", "dictionaries")


def collect(elem, fields, components):
    """Adds the field and component names referenced under `elem` (groups are fields too)."""
    for child in elem:
        if child.tag == "field":
            fields.add(child.get("name"))
        elif child.tag == "group":
            fields.add(child.get("name"))
            collect(child, fields, components)
        elif child.tag == "component":
            components.add(child.get("name"))


def trim(src_path, out_path):
    tree = ET.parse(src_path)
    root = tree.getroot()
    messages = root.find("messages")
    comp_section = root.find("components")
    field_section = root.find("fields")
    if messages is None or field_section is None:
        raise SystemExit("%s: not a QuickFIX dictionary (no <messages> or <fields>)" % src_path)

    found = set()
    for msg in list(messages):
        if msg.get("msgtype") in KEEP_TYPES or msg.get("msgtype") in OPTIONAL_TYPES:
            found.add(msg.get("msgtype"))
        else:
            messages.remove(msg)
    missing = KEEP_TYPES - (found - OPTIONAL_TYPES)
    if missing:
        raise SystemExit("%s: message types not found: %s" % (src_path, sorted(missing)))

    # FIX 4.2 has no Username/Password; Ballast's rules of engagement allow them on the Logon as
    # FIX 4.3+ defines them (553/554, optional), so a broker that wants credentials can get them.
    added = []
    logon = next(m for m in messages if m.get("msgtype") == "A")
    present = {f.get("name") for f in logon if f.tag == "field"}
    defined_names = {f.get("name") for f in field_section}
    for number, name in (("553", "Username"), ("554", "Password")):
        if name not in present:
            ET.SubElement(logon, "field", {"name": name, "required": "N"})
            added.append(name)
        if name not in defined_names:
            ET.SubElement(field_section, "field", {"number": number, "name": name, "type": "STRING"})

    fields, components = set(), set()
    for section in ("header", "trailer"):
        collect(root.find(section), fields, components)
    for msg in messages:
        collect(msg, fields, components)

    # Components reference components: expand until nothing new turns up.
    by_name = {} if comp_section is None else {c.get("name"): c for c in comp_section}
    pending = list(components)
    while pending:
        name = pending.pop()
        comp = by_name.get(name)
        if comp is None:
            raise SystemExit("%s: component %s is referenced but not defined" % (src_path, name))
        before = set(components)
        collect(comp, fields, components)
        pending.extend(components - before)

    if comp_section is not None:
        for comp in list(comp_section):
            if comp.get("name") not in components:
                comp_section.remove(comp)
    defined = set()
    for field in list(field_section):
        if field.get("name") in fields:
            defined.add(field.get("name"))
        else:
            field_section.remove(field)
    undefined = fields - defined
    if undefined:
        raise SystemExit("%s: fields referenced but not defined: %s" % (src_path, sorted(undefined)))

    ET.indent(tree, space=" ")
    body = ET.tostring(root, encoding="unicode")
    header = (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        "<!--\n"
        "  Ballast's FIX %s.%s data dictionary: QuickFIX's %s trimmed by scripts/trim_fix_dictionary.py\n"
        "  to the header, trailer, session messages (%s) and the application messages Ballast\n"
        "  uses (%s), with every component, group and field they reference.\n"
        "%s"
        "  Derived from the QuickFIX data dictionaries (quickfixengine.org), distributed under the\n"
        "  QuickFIX Software License, Version 1.0: see QUICKFIX_LICENSE.txt next to this file.\n"
        "-->\n"
        % (root.get("major"), root.get("minor"), os.path.basename(src_path), ",".join(ADMIN_TYPES),
           ",".join(APP_TYPES + sorted(OPTIONAL_TYPES & found)),
           ("  Added (as FIX 4.3+ defines them): optional %s (553/554) on the Logon.\n" % "/".join(added))
           if added else ""))
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(header + body + "\n")
    print("%s: %d messages, %d components, %d fields" %
          (out_path, len(messages), len(components), len(defined)))


def main(argv):
    if len(argv) == 2 and argv[1] == "--all":
        os.makedirs(DEFAULT_OUT, exist_ok=True)
        for name in ("FIX42.xml", "FIX44.xml"):
            trim(os.path.join(DEFAULT_SRC, name), os.path.join(DEFAULT_OUT, name))
        return 0
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    trim(argv[1], argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
