// Market-data file readers: LOBSTER level-1, Lean/AlgoSeek ticks and minute bars, daily closes.
// Every reader streams core events (QuoteUpdated, TradePrinted, BarClosed) through the EventReader
// interface; docs/market_data.md describes the formats, time zones and error behaviour.
#pragma once

#include "ballast/adapters/market_data_daily.hpp"
#include "ballast/adapters/market_data_lean.hpp"
#include "ballast/adapters/market_data_lobster.hpp"
#include "ballast/adapters/market_data_reader.hpp"
