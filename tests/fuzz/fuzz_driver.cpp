// A plain random/mutation driver for the fuzz targets, for builds without libFuzzer (g++, the
// ASan+UBSan build CI runs). The same target files link with clang's -fsanitize=fuzzer instead
// (scripts/fuzz.sh). See docs/fix_interop.md ("Fuzzing").
//
//   <target> [--seconds T] [--runs N] [--seed S] [--max-len L] [--crash-dir D]
//            [--write-corpus DIR] SEED_FILE_OR_DIR...
//
// Seeds: every file under the given paths, whole (as a log) and cut into its FIX messages
// ('|', '^A' or SOH delimited; one message, and runs of consecutive ones). Each run takes a
// seed or an earlier mutant, applies 1-6 mutations (bit flips, interesting bytes, inserts,
// deletes, copies, splices, field-aware ones: a value replaced by an interesting one, a tag made
// non-numeric or huge, a field repeated or dropped, a group count changed), re-frames the
// messages half of the time (BodyLength and CheckSum right, so they reach the parsers behind
// the framing), prefixes an option byte (see fuzz_support.hpp) and calls
// LLVMFuzzerTestOneInput. Deterministic for a seed and a run count (--runs; --seconds stops
// by wall time). On a crash the input being run is written to <crash-dir>/crash-<target>-<n>.bin
// (reproduce: <target> --replay FILE).
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define BALLAST_FUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/common_interface_defs.h>
#define BALLAST_FUZZ_ASAN 1
#endif
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" const char* ballast_fuzz_report();
extern "C" void ballast_fuzz_cleanup();

namespace {

// ------------------------------------------------------------------ crash capture

const char* g_crash_path = nullptr;
const std::uint8_t* g_current = nullptr;
std::size_t g_current_size = 0;

void dump_current() {
  if (g_crash_path == nullptr || g_current == nullptr) return;
  const int fd = ::open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  std::size_t off = 0;
  while (off < g_current_size) {
    const ssize_t n = ::write(fd, g_current + off, g_current_size - off);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
  ::close(fd);
  static const char msg[] = "\nfuzz: the input that crashed was written to ";
  if (::write(2, msg, sizeof(msg) - 1) < 0) return;
  if (::write(2, g_crash_path, std::strlen(g_crash_path)) < 0) return;
  if (::write(2, "\n", 1) < 0) return;
  g_current = nullptr;
}

void on_signal(int sig) {
  dump_current();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// ------------------------------------------------------------------ seeds

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void list_files(const std::string& path, std::vector<std::string>& out) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return;
  if (S_ISREG(st.st_mode)) {
    out.push_back(path);
    return;
  }
  if (!S_ISDIR(st.st_mode)) return;
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());  // deterministic order
  for (const std::string& n : names) list_files(path + "/" + n, out);
}

/// The FIX messages of a text: from each "8=FIX" to the end of its "10=nnn" field, with '|' and
/// "^A" turned into SOH.
std::vector<std::string> messages_in(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t b = text.find("8=FIX", pos);
    if (b == std::string::npos) break;
    std::size_t t = std::string::npos;
    for (const char* trailer : {"\x01"
                                "10=",
                                "|10=", "^A10="}) {
      const std::size_t at = text.find(trailer, b);
      if (at != std::string::npos && (t == std::string::npos || at < t))
        t = at + std::strlen(trailer) - 3;
    }
    if (t == std::string::npos) break;
    std::size_t e = t + 3;
    while (e < text.size() && e < t + 6 && text[e] >= '0' && text[e] <= '9') ++e;
    std::string m = text.substr(b, e - b);
    std::string clean;
    for (std::size_t i = 0; i < m.size(); ++i) {
      if (m[i] == '|') {
        clean += '\x01';
      } else if (m[i] == '^' && i + 1 < m.size() && m[i + 1] == 'A') {
        clean += '\x01';
        ++i;
      } else if (m[i] == '\n' || m[i] == '\r') {
        continue;  // a message split over lines (log4j)
      } else {
        clean += m[i];
      }
    }
    if (clean.empty() || clean.back() != '\x01') clean += '\x01';
    out.push_back(clean);
    pos = e;
  }
  return out;
}

// ------------------------------------------------------------------ mutation

const char* const kValues[] = {"",
                               "0",
                               "-1",
                               "1",
                               "00000000000000000001",
                               "999999999999999999999999",
                               "2147483648",
                               "9223372036854775807",
                               "9223372036854775808",
                               "-9223372036854775808",
                               "18446744073709551616",
                               "1e9",
                               "1E-9",
                               "0.0000000001",
                               "223.66000000000003",
                               "1.",
                               ".5",
                               "+5",
                               "--5",
                               "5-",
                               "1.2.3",
                               "NaN",
                               "inf",
                               "0x10",
                               " 1",
                               "1 ",
                               "Y",
                               "N",
                               "A",
                               "Z",
                               "8",
                               "F",
                               "H",
                               "I",
                               "G",
                               "D",
                               "4",
                               "abc",
                               "20120621-14:30:00.000",
                               "20120621-14:30:60",
                               "99999999-99:99:99",
                               "20121332",
                               "1000000000",
                               "100000000000000",
                               "0.000001",
                               "-0.5",
                               "\xff\xfe",
                               "=",
                               "|",
                               "10=000"};
const char* const kTags[] = {
    "8",   "9",   "10",          "35",         "34",  "49",  "56",  "52",  "11",  "41",
    "37",  "17",  "150",         "39",         "20",  "54",  "55",  "38",  "44",  "31",
    "32",  "6",   "14",          "151",        "60",  "58",  "103", "102", "434", "45",
    "371", "372", "373",         "380",        "262", "268", "269", "270", "271", "279",
    "146", "267", "281",         "1",          "40",  "59",  "43",  "97",  "122", "141",
    "98",  "108", "112",         "7",          "16",  "36",  "123", "0",   "-1",  "x",
    "9x",  "",    "99999999999", "2147483648", "1a",  " 35", "35 "};
const char* const kTypes[] = {"8", "9", "j", "W", "X", "Y", "3", "5", "A",  "0",
                              "1", "2", "4", "D", "F", "G", "H", "V", "ZZ", ""};

class Mutator {
 public:
  explicit Mutator(std::uint64_t seed) : rng_(seed) {}
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }

  void mutate(std::string& s, const std::vector<std::string>& pool, std::size_t max_len) {
    const int n = 1 + static_cast<int>(below(6));
    for (int i = 0; i < n; ++i) one(s, pool);
    if (below(2) == 0) reframe(s);
    if (s.size() > max_len) s.resize(max_len);
  }

 private:
  /// Fields of s: [start, end) of each "tag=value" between SOH.
  static std::vector<std::pair<std::size_t, std::size_t>> fields(const std::string& s) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    std::size_t pos = 0;
    while (pos < s.size()) {
      std::size_t e = s.find('\x01', pos);
      if (e == std::string::npos) e = s.size();
      if (e > pos) out.emplace_back(pos, e);
      pos = e + 1;
    }
    return out;
  }

  void one(std::string& s, const std::vector<std::string>& pool) {
    const auto fs = fields(s);
    switch (below(14)) {
      case 0:  // bit flip
        if (!s.empty()) s[below(s.size())] ^= static_cast<char>(1u << below(8));
        break;
      case 1: {  // interesting byte
        static const char bytes[] = {'\x01', '=', '|', '0', '9', 'A', '\0', '\xff', '-', '.', '8'};
        if (!s.empty()) s[below(s.size())] = bytes[below(sizeof(bytes))];
        break;
      }
      case 2: {  // insert random bytes
        std::string ins;
        for (std::uint64_t k = 0, m = 1 + below(8); k < m; ++k)
          ins += static_cast<char>(below(256));
        s.insert(below(s.size() + 1), ins);
        break;
      }
      case 3:  // delete a range
        if (!s.empty()) {
          const std::size_t at = below(s.size());
          s.erase(at, 1 + below(std::min<std::size_t>(32, s.size() - at)));
        }
        break;
      case 4:  // copy a range elsewhere
        if (!s.empty()) {
          const std::size_t at = below(s.size());
          const std::string part = s.substr(at, 1 + below(64));
          s.insert(below(s.size() + 1), part);
        }
        break;
      case 5:  // splice another seed in
        if (!pool.empty()) {
          const std::string& o = pool[below(pool.size())];
          if (!o.empty()) {
            const std::size_t at = below(o.size());
            s.insert(below(s.size() + 1), o.substr(at, 1 + below(o.size() - at)));
          }
        }
        break;
      case 6:
      case 7:  // a value replaced by an interesting one
        if (!fs.empty()) {
          const auto f = fs[below(fs.size())];
          const std::size_t eq = s.find('=', f.first);
          if (eq != std::string::npos && eq < f.second) {
            std::string v = below(8) == 0 ? std::string(1 + below(300), 'A' + char(below(26)))
                                          : kValues[below(sizeof(kValues) / sizeof(*kValues))];
            s.replace(eq + 1, f.second - eq - 1, v);
          }
        }
        break;
      case 8:  // a tag replaced
        if (!fs.empty()) {
          const auto f = fs[below(fs.size())];
          const std::size_t eq = s.find('=', f.first);
          if (eq != std::string::npos && eq < f.second)
            s.replace(f.first, eq - f.first, kTags[below(sizeof(kTags) / sizeof(*kTags))]);
        }
        break;
      case 9:  // a field repeated
        if (!fs.empty()) {
          const auto f = fs[below(fs.size())];
          const std::string copy = s.substr(f.first, f.second - f.first) + '\x01';
          const auto g = fs[below(fs.size())];
          s.insert(g.first, copy);
        }
        break;
      case 10:  // a field dropped
        if (!fs.empty()) {
          const auto f = fs[below(fs.size())];
          s.erase(f.first, std::min(s.size(), f.second + 1) - f.first);
        }
        break;
      case 11: {  // a known field inserted
        if (fs.empty()) break;
        const auto g = fs[below(fs.size())];
        std::string f = std::string(kTags[below(sizeof(kTags) / sizeof(*kTags))]) + "=" +
                        kValues[below(sizeof(kValues) / sizeof(*kValues))] + '\x01';
        s.insert(g.first, f);
        break;
      }
      case 12: {  // MsgType changed
        const std::size_t p = s.find(
            "\x01"
            "35=");
        if (p == std::string::npos) break;
        const std::size_t e = s.find('\x01', p + 4);
        if (e == std::string::npos) break;
        s.replace(p + 4, e - p - 4, kTypes[below(sizeof(kTypes) / sizeof(*kTypes))]);
        break;
      }
      default: {  // group count changed
        static const char* const counts[] = {
            "\x01"
            "268=",
            "\x01"
            "146=",
            "\x01"
            "267=",
            "\x01"
            "453=",
            "\x01"
            "382="};
        const std::string key = counts[below(5)];
        const std::size_t p = s.find(key);
        if (p == std::string::npos) break;
        const std::size_t e = s.find('\x01', p + key.size());
        if (e == std::string::npos) break;
        static const char* const nums[] = {"0", "1", "2", "3", "9", "100", "-1", "99999999999"};
        s.replace(p + key.size(), e - p - key.size(), nums[below(8)]);
        break;
      }
    }
  }

  /// Every "8=" message (at the start or after SOH) gets a right BodyLength and CheckSum.
  static void reframe(std::string& s) {
    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i + 1 < s.size(); ++i)
      if (s[i] == '8' && s[i + 1] == '=' && (i == 0 || s[i - 1] == '\x01')) starts.push_back(i);
    if (starts.empty()) return;
    std::string out = s.substr(0, starts.front());
    for (std::size_t k = 0; k < starts.size(); ++k) {
      const std::size_t end = k + 1 < starts.size() ? starts[k + 1] : s.size();
      const std::string m = s.substr(starts[k], end - starts[k]);
      const std::size_t b = m.find('\x01');
      const std::size_t t = m.rfind(
          "\x01"
          "10=");
      std::size_t body = std::string::npos;
      if (b != std::string::npos && m.compare(b + 1, 2, "9=") == 0) body = m.find('\x01', b + 1);
      if (b == std::string::npos || t == std::string::npos || body == std::string::npos ||
          t < body) {
        out += m;
        continue;
      }
      std::string r = m.substr(0, b + 1) + "9=" + std::to_string(t + 1 - (body + 1)) +
                      m.substr(body, t + 1 - body);
      unsigned sum = 0;
      for (unsigned char c : r) sum += c;
      char cs[8];
      std::snprintf(cs, sizeof(cs), "%03u", sum % 256u);
      out += r + "10=" + cs + '\x01';
    }
    s = out;
  }

  std::mt19937_64 rng_;
};

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--seconds T] [--runs N] [--seed S] [--max-len L] [--crash-dir D]\n"
               "          [--write-corpus DIR] [--replay FILE] SEED_FILE_OR_DIR...\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 0;
  std::uint64_t runs = 0, seed = 1;
  std::size_t max_len = 4096;
  std::string crash_dir = ".", corpus_out, replay;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](void) -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--seconds" && (v = value())) {
      seconds = std::atof(v);
    } else if (a == "--runs" && (v = value())) {
      runs = std::strtoull(v, nullptr, 10);
    } else if (a == "--seed" && (v = value())) {
      seed = std::strtoull(v, nullptr, 10);
    } else if (a == "--max-len" && (v = value())) {
      max_len = std::strtoull(v, nullptr, 10);
    } else if (a == "--crash-dir" && (v = value())) {
      crash_dir = v;
    } else if (a == "--write-corpus" && (v = value())) {
      corpus_out = v;
    } else if (a == "--replay" && (v = value())) {
      replay = v;
    } else if (!a.empty() && a[0] == '-') {
      return usage(argv[0]);
    } else {
      inputs.push_back(a);
    }
  }
  const char* slash = std::strrchr(argv[0], '/');
  const std::string name = slash != nullptr ? slash + 1 : argv[0];
  static std::string crash_path;
  crash_path = crash_dir + "/crash-" + name + "-seed" + std::to_string(seed) + ".bin";
  g_crash_path = crash_path.c_str();
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) ::signal(sig, on_signal);
#ifdef BALLAST_FUZZ_ASAN
  __sanitizer_set_death_callback(dump_current);
#endif

  if (!replay.empty()) {
    const std::string bytes = read_file(replay);
    std::printf("fuzz %s: replaying %s (%zu bytes)\n", name.c_str(), replay.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    ballast_fuzz_cleanup();
    std::printf("fuzz %s: no crash\n", name.c_str());
    return 0;
  }
  if (seconds <= 0 && runs == 0) runs = 1000;

  // Seeds: whole files and their messages, alone and in runs of up to 4.
  std::vector<std::string> files;
  for (const std::string& p : inputs) list_files(p, files);
  std::vector<std::string> pool;
  for (const std::string& f : files) {
    const std::string text = read_file(f);
    if (text.empty()) continue;
    pool.push_back(text.substr(0, max_len));
    const std::vector<std::string> msgs = messages_in(text);
    for (std::size_t i = 0; i < msgs.size(); ++i) {
      pool.push_back(msgs[i]);
      std::string run;
      for (std::size_t k = i; k < msgs.size() && k < i + 4; ++k) run += msgs[k];
      pool.push_back(run.substr(0, max_len));
    }
  }
  if (pool.empty())
    pool.push_back(
        "8=FIX.4.4\x01"
        "9=5\x01"
        "35=0\x01"
        "10=161\x01");
  const std::size_t seeds = pool.size();

  Mutator mut(seed);
  if (!corpus_out.empty()) {  // for libFuzzer: the seeds with an option byte in front
    for (std::size_t i = 0; i < pool.size(); ++i) {
      for (int opt : {0x03, 0x07, 0x00}) {
        std::ofstream out(corpus_out + "/seed-" + std::to_string(i) + "-" + std::to_string(opt),
                          std::ios::binary);
        out << static_cast<char>(opt) << pool[i];
      }
    }
    std::printf("fuzz %s: wrote %zu seeds to %s\n", name.c_str(), pool.size() * 3,
                corpus_out.c_str());
    return 0;
  }

  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t n = 0;
  std::string input;
  for (;; ++n) {
    if (runs > 0 && n >= runs) break;
    if (seconds > 0 && (n & 15) == 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() >= seconds)
      break;
    // The seeds as they are first, then mutants of seeds and of earlier mutants.
    std::string s = pool[n < seeds ? n : mut.below(pool.size())];
    if (n >= seeds) mut.mutate(s, pool, max_len);
    // Option byte: mostly log on and normalise so application code is reached.
    std::uint8_t opt = static_cast<std::uint8_t>(mut.below(256));
    if (mut.below(4) != 0) opt |= 0x03;
    input.assign(1, static_cast<char>(opt));
    input += s;
    g_current = reinterpret_cast<const std::uint8_t*>(input.data());
    g_current_size = input.size();
    LLVMFuzzerTestOneInput(g_current, g_current_size);
    g_current = nullptr;
    if (n >= seeds && mut.below(16) == 0) {  // keep some mutants to mutate further
      if (pool.size() < seeds + 4096) {
        pool.push_back(s);
      } else {
        pool[seeds + mut.below(4096)] = s;
      }
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("fuzz %s: %llu runs in %.1f s (%.0f/s) from %zu seeds (seed %llu): no crash\n",
              name.c_str(), static_cast<unsigned long long>(n), secs, secs > 0 ? n / secs : 0.0,
              seeds, static_cast<unsigned long long>(seed));
  std::printf("fuzz %s: %s\n", name.c_str(), ballast_fuzz_report());
  ballast_fuzz_cleanup();
  return 0;
}
