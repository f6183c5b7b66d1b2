#include <superconv/io/model_card.hpp>

#include "support.hpp"

using namespace superconv::io;

TEST_CASE("ModelCard: JSON both ways, defaults for optional fields", "[io][model_card]") {
  ModelCard c;
  c.width = 16;
  c.logit_scale = 0.125;
  c.classes = {"a", "b", "c"};
  c.num_classes = 3;
  c.mean = {0.5, 0.4, 0.3};
  c.std = {0.2, 0.25, 0.3};
  const Json j = c;
  CHECK(j.at("architecture") == "custom_resnet");
  CHECK(j.at("width") == 16);
  CHECK(j.at("image_height") == 32);
  CHECK(j.at("weights") == "model.pt");
  const auto back = j.get<ModelCard>();
  CHECK(Json(back) == j);
  CHECK(class_name(back, 1) == "b");
  CHECK(class_name(ModelCard{}, 7) == "7");
  const auto minimal = model_card_from_json(Json{{"architecture", "custom_resnet"}, {"width", 8}, {"num_classes", 4}});
  CHECK(minimal.in_channels == 3);
  CHECK(minimal.logit_scale == 1.0);
  CHECK(minimal.mean.empty());
  CHECK(minimal.resize == "stb");
  CHECK(minimal.resize_size == 0);
  // A torchvision ResNet with torchvision's evaluation crop (imagenet_resnet's card): no width needed.
  const auto resnet = model_card_from_json(Json{{"architecture", "resnet50"},
                                                {"num_classes", 5},
                                                {"image_height", 224},
                                                {"image_width", 224},
                                                {"resize", "center_crop"},
                                                {"resize_size", 256}});
  CHECK(resnet.architecture == "resnet50");
  CHECK(resnet.resize_size == 256);
  CHECK(Json(resnet).get<ModelCard>().resize == "center_crop");
}

TEST_CASE("ModelCard: a bad card is an error naming the file, the field and the value", "[io][model_card]") {
  const Json good = ModelCard{};
  auto with = [&](const char* key, const Json& v) {
    Json j = good;
    j[key] = v;
    return j;
  };
  CHECK_THROWS_WITH(model_card_from_json(with("width", 0), "run/config.json"),
                    SC_CONTAINS("run/config.json: model card: width must be > 0, got 0"));
  CHECK_THROWS_WITH(model_card_from_json(with("architecture", "vit"), "c.json"),
                    SC_CONTAINS("architecture must be \"custom_resnet\", \"airbench\" or a torchvision ResNet") &&
                        SC_CONTAINS("got \"vit\""));
  CHECK_THROWS_WITH(model_card_from_json(with("resize", "bicubic"), "c.json"),
                    SC_CONTAINS("resize must be \"stb\" or \"center_crop\", got \"bicubic\""));
  CHECK_THROWS_WITH(model_card_from_json(with("resize_size", 20), "c.json"),
                    SC_CONTAINS("resize_size must be 0 or at least the image size (32x32), got 20"));
  CHECK_THROWS_WITH(model_card_from_json(with("architecture", "airbench"), "c.json"),
                    SC_CONTAINS("airbench needs 3 widths, got 0"));
  CHECK_THROWS_WITH(model_card_from_json(with("width", "wide"), "c.json"),
                    SC_CONTAINS("c.json: \"width\" is \"wide\""));
  CHECK_THROWS_WITH(model_card_from_json(with("classes", Json::array({"x"})), "c.json"),
                    SC_CONTAINS("1 class names for num_classes 10"));
  Json zero_std = with("std", Json::array({1, 0, 1}));
  zero_std["mean"] = Json::array({0, 0, 0});
  CHECK_THROWS_WITH(model_card_from_json(zero_std, "c.json"), SC_CONTAINS("std values must be finite and > 0, got 0"));
  CHECK_THROWS_WITH(model_card_from_json(with("mean", Json::array({0.5})), "c.json"),
                    SC_CONTAINS("mean and std need one value per channel (3), got 1 and 0"));
  CHECK_THROWS_WITH(model_card_from_json(with("image_height", 4), "c.json"), SC_CONTAINS("in 8..16384, got 4x32"));
  CHECK_THROWS_WITH(model_card_from_json(with("logit_scale", -1), "c.json"), SC_CONTAINS("logit_scale must be"));
  Json no_width = good;
  no_width.erase("width");
  CHECK_THROWS_WITH(model_card_from_json(no_width, "c.json"), SC_CONTAINS("c.json: no \"width\""));
}

TEST_CASE("read_model_card: the run folder's config.json, errors naming the folder", "[io][model_card]") {
  sc_test::TempDir dir("model-card");
  CHECK_THROWS_WITH(read_model_card(dir.path / "nope"), SC_CONTAINS("nope: no such run folder"));
  CHECK_THROWS_WITH(read_model_card(dir.path), SC_CONTAINS("not a run folder (no config.json)"));
  write_json(dir.path / "config.json", Json{{"hyperparameters", Json::object()}});
  CHECK_THROWS_WITH(read_model_card(dir.path), SC_CONTAINS("config.json: no \"model\" card"));
  ModelCard c;
  c.width = 12;
  write_json(dir.path / "config.json", Json{{"model", c}});
  CHECK(read_model_card(dir.path).width == 12);
  CHECK(read_model_card(dir.path / "config.json").width == 12);
}
