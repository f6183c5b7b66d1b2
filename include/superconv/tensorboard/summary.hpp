// SPDX-License-Identifier: MIT
// TensorBoard's Summary messages as bytes, field by field as PyTorch's torch.utils.tensorboard.summary writes them:
// scalars, PNG images, histograms, text (the "text" plugin) and the HParams dashboard's three records.
#pragma once

#include <superconv/tensorboard/histogram.hpp>
#include <superconv/tensorboard/png_header.hpp>
#include <superconv/tensorboard/protobuf.hpp>

#include <c10/util/Exception.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace superconv {
namespace tensorboard {

/// A hyper-parameter's value in the HParams dashboard: a number, a string or a bool.
using HParamValue = std::variant<double, std::string, bool>;
/// Hyper-parameters in the order the dashboard lists them.
using HParamList = std::vector<std::pair<std::string, HParamValue>>;

namespace detail {
/// Summary { value { tag, <rest> } }.
inline std::string summary_of(ProtoWriter value) {
  ProtoWriter summary;
  summary.message_field(1, value);
  return summary.release();
}
/// SummaryMetadata { plugin_data { plugin_name, content } }.
inline ProtoWriter plugin_metadata(std::string_view plugin, std::string_view content) {
  ProtoWriter data, meta;
  data.string_field(1, plugin);
  if (!content.empty()) data.bytes_field(2, content);
  meta.message_field(1, data);
  return meta;
}
inline std::string hparams_record(std::string_view tag, std::uint32_t kind_field, const ProtoWriter& body) {
  ProtoWriter content;  // HParamsPluginData: version 0 (proto3 leaves a zero out), then the one record
  content.message_field(kind_field, body);
  ProtoWriter value;
  value.string_field(1, tag).message_field(9, plugin_metadata("hparams", content.bytes()));
  return summary_of(std::move(value));
}
}  // namespace detail

/// A scalar: Summary.Value.simple_value (float), as add_scalar writes it.
inline std::string scalar_summary(std::string_view tag, double value) {
  ProtoWriter v;
  v.string_field(1, tag).float_field(2, static_cast<float>(value));
  return detail::summary_of(std::move(v));
}

/// An encoded image (PNG bytes as they are) with its height, width and colour space, as add_image writes it.
inline std::string image_summary(std::string_view tag, std::string_view png, const PngInfo& info) {
  ProtoWriter image;
  image.varint_field(1, static_cast<std::uint64_t>(info.height))
      .varint_field(2, static_cast<std::uint64_t>(info.width))
      .varint_field(3, static_cast<std::uint64_t>(info.colorspace))
      .bytes_field(4, png);
  ProtoWriter v;
  v.string_field(1, tag).message_field(4, image);
  return detail::summary_of(std::move(v));
}

/// A histogram (HistogramProto), as add_histogram writes it.
inline std::string histogram_summary(std::string_view tag, const Histogram& h) {
  ProtoWriter histo;
  histo.double_field(1, h.min).double_field(2, h.max).double_field(3, h.num).double_field(4, h.sum);
  histo.double_field(5, h.sum_squares).packed_doubles(6, h.bucket_limit).packed_doubles(7, h.bucket);
  ProtoWriter v;
  v.string_field(1, tag).message_field(5, histo);
  return detail::summary_of(std::move(v));
}

/// Text (Markdown) for the text plugin: a 1-element DT_STRING tensor under `<tag>/text_summary`, as add_text does.
inline std::string text_summary(std::string_view tag, std::string_view text) {
  ProtoWriter dim, shape, tensor;
  dim.int64_field(1, 1);
  shape.message_field(2, dim);
  tensor.varint_field(1, 7 /* DT_STRING */).message_field(2, shape).bytes_field(8, text);
  ProtoWriter v;
  v.string_field(1, std::string(tag) + "/text_summary")
      .message_field(9, detail::plugin_metadata("text", {}))
      .message_field(8, tensor);
  return detail::summary_of(std::move(v));
}

/// The HParams dashboard's records as torch.utils.tensorboard.summary.hparams() makes them: the experiment (each
/// hyper-parameter's name and type, each metric's tag), the start record (the values) and the end record
/// (STATUS_SUCCESS), under `_hparams_/experiment`, `_hparams_/session_start_info`, `_hparams_/session_end_info`.
/// Bools go in as bool_value with DATA_TYPE_BOOL (PyTorch's own code turns Python bools into numbers first).
inline std::array<std::string, 3> hparams_summaries(const HParamList& hparams,
                                                    const std::vector<std::string>& metrics) {
  ProtoWriter experiment, start;
  for (const auto& [name, value] : hparams) {
    ProtoWriter info, proto_value, entry;
    std::uint64_t type = 0;
    if (const auto* d = std::get_if<double>(&value)) {
      proto_value.double_field(2, *d), type = 3;  // number_value, DATA_TYPE_FLOAT64
    } else if (const auto* s = std::get_if<std::string>(&value)) {
      proto_value.string_field(3, *s), type = 1;  // string_value, DATA_TYPE_STRING
    } else {
      proto_value.bool_field(4, std::get<bool>(value)), type = 2;  // bool_value, DATA_TYPE_BOOL
    }
    info.string_field(1, name).varint_field(4, type);
    experiment.message_field(4, info);
    entry.string_field(1, name).message_field(2, proto_value);  // map<string, Value> entry
    start.message_field(1, entry);
  }
  for (const auto& tag : metrics) {
    ProtoWriter metric_name, metric_info;
    metric_name.string_field(2, tag);
    metric_info.message_field(1, metric_name);
    experiment.message_field(5, metric_info);
  }
  ProtoWriter end;
  end.varint_field(1, 1);  // STATUS_SUCCESS
  return {detail::hparams_record("_hparams_/experiment", 2, experiment),
          detail::hparams_record("_hparams_/session_start_info", 3, start),
          detail::hparams_record("_hparams_/session_end_info", 4, end)};
}

}  // namespace tensorboard
}  // namespace superconv
