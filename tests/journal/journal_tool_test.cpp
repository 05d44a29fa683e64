// journal verify / dump: summaries, located problems, exit codes; dump lines in text and JSON.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "ballast/journal/event_fields.hpp"
#include "ballast/journal/journal_tool.hpp"
#include "ballast/journal/journal_writer.hpp"
#include "journal_test_support.hpp"

namespace ballast {
namespace {

using test::TempDir;

// One session: every sample event as an input, one FIX checkpoint, one note.
void write_samples(const std::string& dir) {
  auto w = JournalWriter::open(test::manual_options(dir));
  ASSERT_TRUE(w);
  for (const Event& e : test::sample_events()) w.value()->append_input(e);
  w.value()->append_fix_checkpoint(
      FixSeqCheckpoint{2, 31, 17, test::ts(1'700'000'000'000'000'000)});
  w.value()->append_note("after \"open\"\n");
  w.value()->stop();
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(JournalVerify, PrintsASummaryAndReturnsZeroForAGoodJournal) {
  TempDir d;
  write_samples(d.path());
  std::ostringstream out, err;
  EXPECT_EQ(journal_verify(d.path(), out, err), 0) << err.str();
  const std::string s = out.str();
  EXPECT_NE(s.find("journal " + d.path() + ": OK\n"), std::string::npos) << s;
  EXPECT_NE(s.find("records: 30, seq 1..30"), std::string::npos) << s;
  EXPECT_NE(s.find("by kind: input 27, intent 0, session_start 1, fix_seq_checkpoint 1, note 1"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("QuoteUpdated 1"), std::string::npos) << s;
  EXPECT_NE(s.find("KillSwitchTripped 1"), std::string::npos) << s;
  EXPECT_NE(s.find("sessions: 1 (epoch 1..1)"), std::string::npos) << s;
  EXPECT_NE(s.find("event seq: 1..27"), std::string::npos) << s;
  EXPECT_NE(s.find("segments: 1 (journal-00000000000000000001.seg"), std::string::npos) << s;
  EXPECT_TRUE(err.str().empty());
}

TEST(JournalVerify, NamesTheSegmentAndOffsetOfTheFirstProblemAndReturnsOne) {
  TempDir d;
  write_samples(d.path());
  // Find record 5's offset, then damage it.
  const auto recs = test::read_all(d.path(), false);
  const std::string seg = test::segment_files(d.path()).front();
  test::flip_byte(seg, recs[4].offset + 8 + 16);
  std::ostringstream out, err;
  EXPECT_EQ(journal_verify(d.path(), out, err), 1);
  const std::string e = err.str();
  EXPECT_NE(e.find("DAMAGED (corrupt_record)"), std::string::npos) << e;
  EXPECT_NE(e.find(seg + ": byte " + std::to_string(recs[4].offset) + ": record CRC32C mismatch"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("4 good record(s) before it, seq 1..4"), std::string::npos) << e;
}

// Found by an adversarial run: the only segment cut back to its header read as "OK".
TEST(JournalVerify, SegmentsCutBackToTheirHeaderAreDamagedNotOk) {
  TempDir d;
  write_samples(d.path());
  const std::string seg = test::segment_files(d.path()).front();
  std::filesystem::resize_file(seg, kSegmentHeaderSize);
  std::ostringstream out, err;
  EXPECT_EQ(journal_verify(d.path(), out, err), 1) << out.str();
  EXPECT_NE(err.str().find("DAMAGED (no_records)"), std::string::npos) << err.str();
}

TEST(JournalVerify, TornTailIsReportedButPassesUnlessStrict) {
  TempDir d;
  write_samples(d.path());
  const std::string seg = test::segment_files(d.path()).front();
  std::filesystem::resize_file(seg, std::filesystem::file_size(seg) - 3);
  std::ostringstream out, err;
  EXPECT_EQ(journal_verify(d.path(), out, err), 0);
  EXPECT_NE(out.str().find("OK (torn tail)"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("torn tail: " + seg + ": byte "), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("records: 29"), std::string::npos) << out.str();
  std::ostringstream out2, err2;
  EXPECT_EQ(journal_verify(d.path(), out2, err2, VerifyOptions{.strict = true}), 1);
  EXPECT_NE(err2.str().find("TORN TAIL"), std::string::npos) << err2.str();
}

// Issue 13 item 8: verify said OK with the first segment missing; any gap in the numbering of
// the segments must be reported.
TEST(JournalVerify, AMissingFirstOrMiddleSegmentIsDamaged) {
  for (const std::size_t victim : {std::size_t{0}, std::size_t{1}}) {
    TempDir d;
    auto o = test::manual_options(d.path());
    o.segment_bytes = 4096;
    auto w = JournalWriter::open(o);
    ASSERT_TRUE(w);
    for (std::uint64_t s = 1; s <= 200; ++s) w.value()->append_input(test::quote(s));
    w.value()->stop();
    const auto files = test::segment_files(d.path());
    ASSERT_GE(files.size(), 3u);
    std::filesystem::remove(files[victim]);
    std::ostringstream out, err;
    EXPECT_EQ(journal_verify(d.path(), out, err), 1) << out.str();
    EXPECT_EQ(out.str().find(": OK"), std::string::npos) << out.str();
    EXPECT_NE(err.str().find("DAMAGED (missing_segment)"), std::string::npos) << err.str();
    EXPECT_NE(err.str().find("a segment file is missing"), std::string::npos) << err.str();
  }
}

TEST(JournalVerify, MissingDirectoryIsAProblem) {
  TempDir d;
  std::ostringstream out, err;
  EXPECT_EQ(journal_verify(d.sub("none"), out, err), 1);
  EXPECT_NE(err.str().find("cannot open the journal directory"), std::string::npos) << err.str();
}

TEST(JournalDump, PrintsOneTextLinePerRecordWithEveryField) {
  TempDir d;
  write_samples(d.path());
  std::ostringstream out, err;
  ASSERT_EQ(journal_dump(d.path(), out, err), 0) << err.str();
  const auto ls = lines(out.str());
  ASSERT_EQ(ls.size(), 30u);
  EXPECT_EQ(ls[0].rfind("#1 session_start epoch=1 wall_time=", 0), 0u) << ls[0];
  EXPECT_EQ(ls[1],
            "#2 input QuoteUpdated seq=1 event_time=2023-11-14T22:13:20.000000001Z "
            "receive_time=2023-11-14T22:13:20.000000501Z instrument=3 bid=101.25 bid_size=300 "
            "ask=101.26 ask_size=200.5");
  EXPECT_NE(ls[8].find("SubmitOrder"), std::string::npos);
  EXPECT_NE(ls[8].find(" side=sell type=market tif=ioc qty=100 limit=101.2"), std::string::npos)
      << ls[8];
  EXPECT_NE(ls[12].find("exec_id=\"EXEC-\\\"1\\\"\\\\x\" exec_ref_id=\"REF-9\""), std::string::npos)
      << ls[12];
  EXPECT_NE(ls[21].find("KillSwitchTripped"), std::string::npos);
  EXPECT_NE(ls[21].find("account=none reason=reject_storm"), std::string::npos) << ls[21];
  // The links between components (issue 14): a trade line, a refusal, a booking.
  EXPECT_NE(ls[22].find("ParentOrderRequested"), std::string::npos) << ls[22];
  EXPECT_NE(ls[22].find("parent=900 account=7 instrument=3 session=1 side=sell qty=1200.5"),
            std::string::npos)
      << ls[22];
  EXPECT_NE(ls[24].find("reason=slicer_full"), std::string::npos) << ls[24];
  EXPECT_NE(ls[26].find("booking=correction qty=-10 px=101.3"), std::string::npos) << ls[26];
  EXPECT_NE(ls[27].find("RebalanceDeferred seq=27"), std::string::npos) << ls[27];
  EXPECT_EQ(ls[28],
            "#29 fix_seq_checkpoint session_index=2 next_sender=31 next_target=17 "
            "time=2023-11-14T22:13:20.000000000Z");
  EXPECT_EQ(ls[29], "#30 note text=\"after \\\"open\\\"\\u000a\"");
}

TEST(JournalDump, JsonLinesCarryEveryFieldOfEveryEvent) {
  TempDir d;
  write_samples(d.path());
  std::ostringstream out, err;
  ASSERT_EQ(journal_dump(d.path(), out, err, DumpOptions{.format = DumpFormat::kJson}), 0);
  const auto ls = lines(out.str());
  ASSERT_EQ(ls.size(), 30u);
  const auto samples = test::sample_events();
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto j = nlohmann::json::parse(ls[i + 1]);
    EXPECT_EQ(j["rec"], i + 2);
    EXPECT_EQ(j["kind"], "input");
    EXPECT_EQ(j["event"], std::string(event_name(samples[i])));
    EXPECT_EQ(j["segment"], "journal-00000000000000000001.seg");
    std::size_t fields = 0;
    std::visit(
        [&](const auto& ev) {
          visit_fields(ev, [&](const char* name, const auto&) {
            ++fields;
            EXPECT_TRUE(j.contains(name)) << name << " in " << ls[i + 1];
          });
        },
        samples[i]);
    EXPECT_EQ(j.size(), fields + 5) << ls[i + 1];  // + rec, kind, segment, offset, event
  }
  const auto q = nlohmann::json::parse(ls[1]);
  EXPECT_EQ(q["bid"], "101.25");
  EXPECT_EQ(q["event_time"], 1'700'000'000'000'000'001);
  const auto rb = nlohmann::json::parse(ls[18]);
  EXPECT_EQ(rb["event"], "RebalanceTriggered");
  EXPECT_DOUBLE_EQ(rb["max_abs_drift"].get<double>(), 0.051);
  EXPECT_EQ(rb["rule"], "hybrid");
  EXPECT_EQ(rb["rules_held"], 0x13);
  const auto ex = nlohmann::json::parse(ls[12]);
  EXPECT_EQ(ex["exec_id"], "EXEC-\"1\"\\x");
  EXPECT_TRUE(ex["orig_order"].is_null());
  EXPECT_EQ(nlohmann::json::parse(ls[29])["text"], "after \"open\"\n");
}

TEST(JournalDump, SelectsARangeAndEventsOnly) {
  TempDir d;
  write_samples(d.path());
  std::ostringstream out, err;
  ASSERT_EQ(journal_dump(d.path(), out, err,
                         DumpOptions{.from_seq = 1, .to_seq = 5, .events_only = true}),
            0);
  const auto ls = lines(out.str());
  ASSERT_EQ(ls.size(), 4u);
  EXPECT_EQ(ls[0].rfind("#2 input QuoteUpdated", 0), 0u);
  EXPECT_EQ(ls[3].rfind("#5 input CashFlowReceived", 0), 0u);
}

TEST(JournalDump, PrintsTheRecordsBeforeAProblemThenFails) {
  TempDir d;
  write_samples(d.path());
  const auto recs = test::read_all(d.path(), false);
  const std::string seg = test::segment_files(d.path()).front();
  test::flip_byte(seg, recs[10].offset + 8 + 16);
  std::ostringstream out, err;
  EXPECT_EQ(journal_dump(d.path(), out, err), 1);
  EXPECT_EQ(lines(out.str()).size(), 10u);
  EXPECT_NE(err.str().find(seg + ": byte " + std::to_string(recs[10].offset)), std::string::npos);
}

TEST(JournalDump, FormatsUtcTimestamps) {
  EXPECT_EQ(format_utc(Timestamp{0}), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(format_utc(Timestamp{951'782'400'000'000'123}), "2000-02-29T00:00:00.000000123Z");
  EXPECT_EQ(format_utc(Timestamp{-1}), "1969-12-31T23:59:59.999999999Z");
}

}  // namespace
}  // namespace ballast
