// The initiator's form of a FIX data dictionary: QuickFIX checks the structure of what a broker
// sends (header, required fields, groups), Ballast checks the values of the application fields.
#pragma once

#include <string>

namespace ballast {
namespace fix {

/// Rewrites the dictionary text `xml` so QuickFIX no longer refuses a message for the value of
/// an application field: every field outside the header and trailer whose type QuickFIX checks
/// (PRICE, QTY, UTCTIMESTAMP, CHAR, INT, BOOLEAN and the like) becomes STRING and loses its list
/// of allowed values. Header and trailer fields, group counters, and the types that carry
/// structure (NUMINGROUP, LENGTH, DATA, XMLDATA, SEQNUM), stay as they are. Ballast's codec then
/// reads each field: one the engine books from, unreadable, makes the report unbookable (named by
/// tag); an informational one is ignored and logged. False with `error` when the text has no
/// <fields> section or a <field> element it cannot read.
bool inbound_dictionary(const std::string& xml, std::string& out, std::string& error);

}  // namespace fix
}  // namespace ballast
