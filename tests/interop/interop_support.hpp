// Helpers for the interop tests: a child peer process (spawned, READY awaited with a deadline,
// killed at the end even on failure), a recording Listener, the peers' message records, and
// polling with deadlines. Includes only ballast/fix/*.hpp from the project.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ballast/fix/initiator.hpp"

extern char** environ;

namespace ballast::interop {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

inline std::string interop_dir() {
  return std::string(BALLAST_SOURCE_DIR) + "/tests/interop";
}

/// An executable found on PATH, or empty.
inline std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    const std::string p = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return {};
}

/// Polls `done` every few ms until it holds or `timeout` passes; returns its last value.
inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

/// A fresh directory under $TMPDIR (or /tmp), removed on destruction unless BALLAST_KEEP_TMP is
/// set (then its path is left for inspection).
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(base != nullptr ? base : "/tmp") + "/ballast_interop_" + tag + "_XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) != nullptr) path_ = buf.data();
  }
  ~TempDir() {
    if (!path_.empty() && std::getenv("BALLAST_KEEP_TMP") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// A peer process: argv[0] is an absolute path. Its stdout is a pipe read for "READY <port>";
/// its stderr goes to `stderr_file`. The destructor terminates it (SIGTERM, then SIGKILL).
class PeerProcess {
 public:
  PeerProcess() = default;
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;
  ~PeerProcess() { terminate(); }

  /// Starts the process. False with `error` set when it cannot.
  bool spawn(const std::vector<std::string>& argv, const std::string& stderr_file,
             std::string& error) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      error = std::string("pipe: ") + std::strerror(errno);
      return false;
    }
    const int err_fd = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (err_fd < 0) {
      error = "cannot open " + stderr_file + ": " + std::strerror(errno);
      ::close(fds[0]);
      ::close(fds[1]);
      return false;
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
      error = std::string("fork: ") + std::strerror(errno);
      ::close(fds[0]);
      ::close(fds[1]);
      ::close(err_fd);
      return false;
    }
    if (pid == 0) {
      // Child: only async-signal-safe calls. No descriptor of the test (QuickFIX's sockets)
      // may leak into the peer, or a connection would outlive Ballast's end of it.
      ::dup2(fds[1], 1);
      ::dup2(err_fd, 2);
      const int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, 0);
      ::close_range(3, ~0U, 0);
      ::execve(args[0], args.data(), environ);
      ::_exit(127);
    }
    ::close(fds[1]);
    ::close(err_fd);
    pid_ = pid;
    out_fd_ = fds[0];
    stderr_file_ = stderr_file;
    return true;
  }

  /// Waits for "READY <port>" on the child's stdout. 0 with `error` set on timeout or exit.
  int wait_ready(std::chrono::milliseconds timeout, std::string& error) {
    const auto deadline = Clock::now() + timeout;
    std::string got;
    while (true) {
      const auto nl = got.find('\n');
      if (nl != std::string::npos) {
        const std::string line = got.substr(0, nl);
        if (line.rfind("READY ", 0) == 0) return std::atoi(line.c_str() + 6);
        error = "peer printed '" + line + "' instead of READY; stderr: " + stderr_text();
        return 0;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        error = "peer not READY in time; stderr: " + stderr_text();
        return 0;
      }
      pollfd p{out_fd_, POLLIN, 0};
      const int r = ::poll(&p, 1, static_cast<int>(left));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) continue;
      char buf[256];
      const ssize_t n = ::read(out_fd_, buf, sizeof buf);
      if (n <= 0) {
        error = "peer exited before READY; stderr: " + stderr_text();
        return 0;
      }
      got.append(buf, static_cast<std::size_t>(n));
    }
  }

  /// Waits for the child to exit by itself; its exit code, or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return exit_code_;
    const auto deadline = Clock::now() + timeout;
    while (true) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        close_pipe();
        return exit_code_;
      }
      if (Clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(10ms);
    }
  }

  /// SIGKILL now (a crashed broker); reaps it.
  void kill_hard() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      (void)wait_exit(5s);
    }
  }

  /// SIGTERM, then SIGKILL after 2 s; reaps it. Idempotent.
  void terminate() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      if (!wait_exit(2s)) kill_hard();
    }
    close_pipe();
  }

  bool running() const { return pid_ > 0; }

  std::string stderr_text() const {
    std::ifstream f(stderr_file_);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }

 private:
  void close_pipe() {
    if (out_fd_ >= 0) ::close(out_fd_);
    out_fd_ = -1;
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::optional<int> exit_code_;
  std::string stderr_file_;
};

// ------------------------------------------------------------------ the peers' records

/// One line of a peer's record: "IN <msg>", "OUT <msg>", "OUT-PARTIAL <head>", "EVENT <text>".
/// IN is what the peer received (what Ballast sent); OUT what the peer sent.
struct RecordLine {
  std::string dir;
  std::string text;                                 ///< the rest of the line
  std::vector<std::pair<int, std::string>> fields;  ///< parsed for IN/OUT (SOH shown as '|')

  std::string get(int tag) const {
    for (const auto& [t, v] : fields) {
      if (t == tag) return v;
    }
    return {};
  }
  bool has(int tag) const {
    for (const auto& f : fields) {
      if (f.first == tag) return true;
    }
    return false;
  }
  std::string msg_type() const { return get(35); }
};

inline std::vector<RecordLine> read_record(const std::string& file) {
  std::vector<RecordLine> out;
  std::ifstream f(file);
  std::string line;
  while (std::getline(f, line)) {
    RecordLine r;
    const auto sp = line.find(' ');
    r.dir = line.substr(0, sp);
    r.text = sp == std::string::npos ? std::string() : line.substr(sp + 1);
    if (r.dir == "IN" || r.dir == "OUT") {
      std::stringstream ss(r.text);
      std::string kv;
      while (std::getline(ss, kv, '|')) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos) continue;
        r.fields.emplace_back(std::atoi(kv.substr(0, eq).c_str()), kv.substr(eq + 1));
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

inline std::string record_text(const std::string& file) {
  std::ifstream f(file);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// Messages in `dir` ("IN"/"OUT") of type `msg_type`.
inline std::vector<RecordLine> messages(const std::vector<RecordLine>& rec, const std::string& dir,
                                        const std::string& msg_type) {
  std::vector<RecordLine> out;
  for (const auto& r : rec) {
    if (r.dir == dir && r.msg_type() == msg_type) out.push_back(r);
  }
  return out;
}

inline bool has_event(const std::vector<RecordLine>& rec, const std::string& prefix) {
  return std::any_of(rec.begin(), rec.end(), [&](const RecordLine& r) {
    return r.dir == "EVENT" && r.text.rfind(prefix, 0) == 0;
  });
}

// ------------------------------------------------------------------ the recording Listener

/// Keeps everything the initiator delivers; thread-safe (QuickFIX calls from its threads).
class RecordingListener : public fix::Listener {
 public:
  void on_execution_report(const fix::ExecutionReport& r) override { add(reports_, r); }
  void on_cancel_reject(const fix::CancelReject& r) override { add(cancel_rejects_, r); }
  void on_session_reject(const fix::SessionReject& r) override { add(session_rejects_, r); }
  void on_business_reject(const fix::BusinessReject& r) override { add(business_rejects_, r); }
  void on_session_status(const fix::SessionStatus& s) override { add(statuses_, s); }
  void on_market_data(const fix::MarketDataUpdate& m) override { add(market_data_, m); }

  std::vector<fix::ExecutionReport> reports() const { return copy(reports_); }
  std::vector<fix::SessionReject> session_rejects() const { return copy(session_rejects_); }
  std::vector<fix::BusinessReject> business_rejects() const { return copy(business_rejects_); }
  std::vector<fix::SessionStatus> statuses() const { return copy(statuses_); }

  std::vector<fix::ExecutionReport> reports_for(const std::string& cl_ord_id) const {
    std::vector<fix::ExecutionReport> out;
    for (const auto& r : reports()) {
      if (cl_ord_id == r.cl_ord_id) out.push_back(r);
    }
    return out;
  }
  int count_status(fix::SessionState s) const {
    int n = 0;
    for (const auto& st : statuses()) n += st.state == s ? 1 : 0;
    return n;
  }
  /// Every status text so far, for failure messages.
  std::string status_log() const {
    std::string out;
    for (const auto& s : statuses()) {
      out += s.state == fix::SessionState::kLoggedOn    ? "[logged on] "
             : s.state == fix::SessionState::kLoggedOut ? "[logged out] "
                                                        : "[refused] ";
      out += s.text;
      out += "\n";
    }
    return out;
  }

 private:
  template <class T>
  void add(std::vector<T>& v, const T& x) {
    std::lock_guard<std::mutex> lock(mu_);
    v.push_back(x);
  }
  template <class T>
  std::vector<T> copy(const std::vector<T>& v) const {
    std::lock_guard<std::mutex> lock(mu_);
    return v;
  }

  mutable std::mutex mu_;
  std::vector<fix::ExecutionReport> reports_;
  std::vector<fix::CancelReject> cancel_rejects_;
  std::vector<fix::SessionReject> session_rejects_;
  std::vector<fix::BusinessReject> business_rejects_;
  std::vector<fix::SessionStatus> statuses_;
  std::vector<fix::MarketDataUpdate> market_data_;
};

// ------------------------------------------------------------------ building messages

constexpr std::int64_t kQty = 1000000;    // 1 unit, raw 1e-6
constexpr std::int64_t kPx = 1000000000;  // 1.0, raw 1e-9

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline fix::NewOrder limit_order(const std::string& cl_ord_id, const std::string& symbol,
                                 std::int64_t qty, std::int64_t price) {
  fix::NewOrder o;
  o.session = 0;
  fix::set_text(o.cl_ord_id, cl_ord_id);
  fix::set_text(o.account, std::string("ACC1"));
  fix::set_text(o.symbol, symbol);
  o.side = '1';
  o.ord_type = '2';
  o.time_in_force = '0';
  o.qty = qty;
  o.price = price;
  o.transact_time_ns = now_ns();
  return o;
}

inline fix::SessionConfig session_config(const std::string& name, const std::string& begin,
                                         int port, const std::string& dir) {
  fix::SessionConfig s;
  s.name = name;
  s.begin_string = begin;
  s.host = "127.0.0.1";
  s.port = port;
  s.sender_comp_id = "BALLAST";
  s.target_comp_id = "BROKER";
  s.heartbeat_s = 30;
  s.store_dir = dir + "/store";
  s.log_dir = dir + "/log";
  s.reconnect_min_ms = 200;
  s.reconnect_max_ms = 1000;
  return s;
}

/// Ballast's own FIX logs for a failure message (the event log says why QuickFIX did what it did).
inline std::string fix_logs(const std::string& dir) {
  std::string out;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir + "/log", ec)) {
    if (!e.is_regular_file()) continue;
    out += "--- " + e.path().string() + "\n" + record_text(e.path().string());
  }
  return out;
}

}  // namespace ballast::interop
