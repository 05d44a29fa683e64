// Tests that run the built program as a child process: spawning it with its output in files,
// waiting for its exit within a bound, reading the files back; and the YAML of the market-data
// section the paper desks of these tests share (the shipped daily closes first).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace ballast::test {

/// The shipped daily closes of AAPL, AMZN, GOOG and others up to 2012-06-20 (data/README.md).
inline const std::string kShippedCloses =
    std::string(BALLAST_SOURCE_DIR) + "/data/daily/pyportfolioopt_closes_2011-06-01_2012-06-20.csv";

/// `compliance` without the ADV rule, and the head of `market_data.sources` with `closes_path` as
/// its first source (`closes`, paced fast); more sources may follow.
inline std::string closes_source_yaml(const std::string& closes_path) {
  return "compliance: {max_adv_share: off}\n"
         "market_data:\n"
         "  sources:\n"
         "    - name: closes\n"
         "      kind: daily_closes\n"
         "      path: " +
         closes_path +
         "\n"
         "      pace: fast\n";
}

/// A child process with stdout and stderr in files.
struct Child {
  pid_t pid = -1;
  std::string out_path;
  bool running() const { return pid > 0 && ::kill(pid, 0) == 0; }
};

/// Starts `args` (args[0]: the program's path) with stdout in `out_path` and stderr in `err_path`
/// (empty: with stdout). pid -1: it could not start.
inline Child spawn(const std::vector<std::string>& args, const std::string& out_path,
                   const std::string& err_path = "") {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (err_path.empty()) {
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  Child c;
  c.out_path = out_path;
  if (posix_spawn(&c.pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) c.pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return c;
}

/// Waits for the child's exit (up to `timeout`); its exit code, or -1 (still running: killed),
/// or 128 + signal.
inline int wait_exit(Child& c, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    const pid_t r = ::waitpid(c.pid, &status, WNOHANG);
    if (r == c.pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(c.pid, SIGKILL);
      ::waitpid(c.pid, &status, 0);
      c.pid = -1;
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  c.pid = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

/// The whole of a file ("" when it cannot be read).
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace ballast::test
