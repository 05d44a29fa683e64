// Ballast's own FIX data dictionaries, embedded at build time (embed_dictionaries.cmake).
#pragma once

#include <string>

namespace ballast {
namespace fix {

/// The embedded dictionary `name` ("FIX42.xml", "FIX44.xml"); false when there is none.
bool embedded_dictionary(const std::string& name, std::string& out);

/// Writes the embedded dictionary for `begin_string` ("FIX.4.4" -> FIX44.xml) into `dir`
/// (created) and returns its path in `path`. False with `error` set on failure.
bool write_embedded_dictionary(const std::string& begin_string, const std::string& dir,
                               std::string& path, std::string& error);

/// The initiator's dictionary (inbound_dictionary.hpp) made from `source` (a dictionary file) or,
/// when `source` is empty, from the embedded one for `begin_string`; written into `dir` as
/// <name>.inbound.xml, its path returned in `path`. False with `error` naming the file.
bool write_inbound_dictionary(const std::string& begin_string, const std::string& source,
                              const std::string& dir, std::string& path, std::string& error);

}  // namespace fix
}  // namespace ballast
