// Fuzz target: the run-config reader behind --resume: the text of a config.json is parsed, its "hyperparameters"
// object merged with given options (resume_settings' rules) and read into typed fields as a recipe does. A
// c10::Error naming the file is the only accepted failure.
#include <superconv/io/run_folder.hpp>

#include "fuzz_main.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace io = superconv::io;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto config = io::parse_json(text, "config.json");
    TORCH_CHECK(config.is_object() && config.contains("hyperparameters") && config["hyperparameters"].is_object(),
                "config.json: no \"hyperparameters\" object");
    std::optional<io::Disagreement> d;
    const io::Json given = {{"epochs", 24}, {"lr_max", 0.1}, {"threads", 2}, {"device", "cpu"}};
    const auto h = io::resumed_settings(config["hyperparameters"], given, {"epochs", "threads"}, {"threads"}, d);
    if (d) (void)d->option();
    for (const char* key : {"epochs", "batch_size", "width"}) {
      if (h.contains(key)) (void)io::get<std::int64_t>(h, key, "config.json");
    }
    for (const char* key : {"lr_max", "lr_min", "peak_epoch"}) {
      if (h.contains(key)) (void)io::get<double>(h, key, "config.json");
    }
    if (h.contains("anneal")) (void)io::get<std::string>(h, "anneal", "config.json");
    if (h.contains("tta")) (void)io::get<bool>(h, "tta", "config.json");
  } catch (const c10::Error& e) {
    sc_fuzz::expect_named(e, "config.json");
  }
  return 0;
}
