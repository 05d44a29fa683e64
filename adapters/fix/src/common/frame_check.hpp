// A check of an inbound FIX frame before QuickFIX 1.15 parses it, for what its parser does not
// bound: QuickFIX reads a data field (type DATA: RawData 96, EncodedText 355, ...) as exactly the
// number of bytes its length field declares (RawDataLength 95, EncodedTextLen 354; the tag before,
// SignatureLength 93 for Signature 89), without checking that they are inside the message. A
// length past the end (or negative) reads out of bounds: one frame from any peer crashes the
// process (found by tests/fuzz). Both the initiator and broker-sim run every inbound frame through
// this check (see docs/fix.md, "Hostile peers").
//
// The rule is strict and needs no dictionary: a data field must hold exactly what every earlier
// occurrence of its length field says, with no SOH inside it (neither side uses binary data
// fields). Then QuickFIX's reading of each data field, whatever length field it consults, ends at
// the field's own SOH, as for any other field. Data fields: every DATA field of QuickFIX's FIX
// 4.0-5.0SP2 dictionaries.
#pragma once

#include <string>

namespace ballast {
namespace fix {

/// Field tags of type DATA in FIX 4.0-5.0SP2.
bool is_data_field(int tag);
/// The length field QuickFIX consults for data field `tag`.
int data_length_field(int tag);

/// True when `frame` (a whole FIX message, SOH-delimited) has no data field QuickFIX would read
/// past its own SOH; otherwise false with `why` naming the field, its length field and both
/// lengths. Fields are cut as QuickFIX cuts them (tag up to the next '=', value up to the next
/// SOH; a tag is read as QuickFIX reads it, wrapping at 32 bits).
bool data_fields_fit(const std::string& frame, std::string& why);

}  // namespace fix
}  // namespace ballast
