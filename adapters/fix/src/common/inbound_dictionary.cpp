// See inbound_dictionary.hpp. A small scanner over QuickFIX's dictionary format (elements with
// double- or single-quoted attributes), not a general XML parser: it only rewrites <field>
// definitions inside <fields> and copies every other byte unchanged.
#include "common/inbound_dictionary.hpp"

#include <cstddef>
#include <set>
#include <string>

namespace ballast {
namespace fix {

namespace {

// The value of attribute `name` in the start tag `tag` ("<field number=.. >"), or false.
bool attribute(const std::string& tag, const std::string& name, std::string& value) {
  std::size_t pos = 0;
  while ((pos = tag.find(name, pos)) != std::string::npos) {
    const bool starts = pos > 0 && (tag[pos - 1] == ' ' || tag[pos - 1] == '\t' ||
                                    tag[pos - 1] == '\n' || tag[pos - 1] == '\r');
    std::size_t p = pos + name.size();
    while (p < tag.size() && (tag[p] == ' ' || tag[p] == '\t')) ++p;
    if (!starts || p >= tag.size() || tag[p] != '=') {
      pos += name.size();
      continue;
    }
    ++p;
    while (p < tag.size() && (tag[p] == ' ' || tag[p] == '\t')) ++p;
    if (p >= tag.size() || (tag[p] != '"' && tag[p] != '\'')) return false;
    const char quote = tag[p];
    const std::size_t end = tag.find(quote, p + 1);
    if (end == std::string::npos) return false;
    value = tag.substr(p + 1, end - p - 1);
    return true;
  }
  return false;
}

// The section <name>...</name> of `xml` as [begin, end) offsets of its content; false if absent.
bool section(const std::string& xml, const std::string& name, std::size_t& begin,
             std::size_t& end) {
  const std::size_t open = xml.find("<" + name + ">");
  if (open == std::string::npos) return false;
  begin = open + name.size() + 2;
  end = xml.find("</" + name + ">", begin);
  return end != std::string::npos;
}

// Every name="..." of a <field>, <group> or <component> element in xml[begin, end).
void names_in(const std::string& xml, std::size_t begin, std::size_t end,
              std::set<std::string>& fields, std::set<std::string>& components) {
  std::size_t pos = begin;
  while ((pos = xml.find('<', pos)) != std::string::npos && pos < end) {
    const std::size_t close = xml.find('>', pos);
    if (close == std::string::npos || close > end) return;
    const std::string tag = xml.substr(pos, close - pos + 1);
    std::string name;
    if ((tag.compare(0, 7, "<field ") == 0 || tag.compare(0, 7, "<group ") == 0) &&
        attribute(tag, "name", name)) {
      fields.insert(name);
    } else if (tag.compare(0, 11, "<component ") == 0 && attribute(tag, "name", name)) {
      components.insert(name);
    }
    pos = close + 1;
  }
}

// The definition of component `name` inside <components>, as [begin, end) of its content.
bool component_body(const std::string& xml, std::size_t cb, std::size_t ce, const std::string& name,
                    std::size_t& begin, std::size_t& end) {
  std::size_t pos = cb;
  while ((pos = xml.find("<component ", pos)) != std::string::npos && pos < ce) {
    const std::size_t close = xml.find('>', pos);
    if (close == std::string::npos || close > ce) return false;
    std::string n;
    if (attribute(xml.substr(pos, close - pos + 1), "name", n) && n == name) {
      begin = close + 1;
      end = xml.find("</component>", begin);
      return end != std::string::npos && end <= ce;
    }
    pos = close + 1;
  }
  return false;
}

bool structural(const std::string& type) {
  return type == "NUMINGROUP" || type == "LENGTH" || type == "DATA" || type == "XMLDATA" ||
         type == "SEQNUM";
}

}  // namespace

bool inbound_dictionary(const std::string& xml, std::string& out, std::string& error) {
  std::size_t fb = 0, fe = 0;
  if (!section(xml, "fields", fb, fe)) {
    error = "no <fields> section";
    return false;
  }
  // The names the session layer owns: header and trailer fields, with the components they use.
  std::set<std::string> keep, components, expanded;
  for (const char* s : {"header", "trailer"}) {
    std::size_t b = 0, e = 0;
    if (section(xml, s, b, e)) names_in(xml, b, e, keep, components);
  }
  // Group counters keep their type wherever they are used (FIX 4.2's dictionaries type them INT):
  // QuickFIX parses and counts groups by them.
  for (std::size_t pos = 0; (pos = xml.find("<group ", pos)) != std::string::npos; ++pos) {
    const std::size_t close = xml.find('>', pos);
    if (close == std::string::npos) break;
    std::string name;
    if (attribute(xml.substr(pos, close - pos + 1), "name", name)) keep.insert(name);
  }
  std::size_t cb = 0, ce = 0;
  const bool has_components = section(xml, "components", cb, ce);
  while (has_components && !components.empty()) {
    const std::string c = *components.begin();
    components.erase(components.begin());
    if (!expanded.insert(c).second) continue;
    std::size_t b = 0, e = 0;
    if (component_body(xml, cb, ce, c, b, e)) names_in(xml, b, e, keep, components);
  }

  out.clear();
  out.reserve(xml.size());
  out.append(xml, 0, fb);
  std::size_t pos = fb;
  while (true) {
    const std::size_t open = xml.find("<field", pos);
    if (open == std::string::npos || open >= fe) break;
    const std::size_t close = xml.find('>', open);
    if (close == std::string::npos || close > fe) {
      error = "a <field> element in <fields> has no end";
      return false;
    }
    out.append(xml, pos, open - pos);
    const std::string tag = xml.substr(open, close - open + 1);
    const bool self_closing = close > open && xml[close - 1] == '/';
    std::size_t next = close + 1;  // first byte after this element
    std::size_t body_end = next;   // where its content ends (the "</field>")
    if (!self_closing) {
      body_end = xml.find("</field>", next);
      if (body_end == std::string::npos || body_end > fe) {
        error = "field element " + tag + " has no </field>";
        return false;
      }
      next = body_end + 8;
    }
    std::string name, type;
    if (!attribute(tag, "name", name) || !attribute(tag, "type", type)) {
      error = "field element " + tag + " lacks a name or a type";
      return false;
    }
    if (keep.count(name) != 0 || structural(type)) {
      out.append(xml, open, next - open);
    } else {
      std::string number;
      attribute(tag, "number", number);
      out += "<field number=\"" + number + "\" name=\"" + name + "\" type=\"STRING\" />";
    }
    pos = next;
  }
  out.append(xml, pos, std::string::npos);
  return true;
}

}  // namespace fix
}  // namespace ballast
