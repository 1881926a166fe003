//! The overlay `mcpstack push` leaves beside the Kubernetes base: `k8s-pushed/`, the base with
//! every image mcpstack builds replaced by the reference it pushed (by content hash), so
//! `kubectl apply -k <output>/k8s-pushed` runs exactly what was pushed.

use crate::model::cluster::split_tag;
use serde::Serialize;
use std::collections::BTreeMap;

/// The overlay's folder in the output folder (not rendered: `push` writes it).
pub const FOLDER: &str = "k8s-pushed";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Overlay {
    api_version: &'static str,
    kind: &'static str,
    resources: Vec<&'static str>,
    images: Vec<Image>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Image {
    name: String,
    new_name: String,
    new_tag: String,
}

/// `kustomization.yaml` of the overlay: `pushed` pairs the image a base names (`name:tag`, as
/// built) with the reference pushed for it. One entry per image, sorted.
pub fn overlay(pushed: &[(String, String)]) -> anyhow::Result<String> {
    let mut images = BTreeMap::new();
    for (built, reference) in pushed {
        let (name, _) = split_tag(built);
        let (new_name, new_tag) = split_tag(reference);
        images.insert(
            name.to_string(),
            Image {
                name: name.to_string(),
                new_name: new_name.to_string(),
                new_tag: new_tag.to_string(),
            },
        );
    }
    let body = serde_yaml::to_string(&Overlay {
        api_version: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        resources: vec!["../k8s"],
        images: images.into_values().collect(),
    })?;
    Ok(format!(
        "# Written by `mcpstack push`: the Kubernetes base with the images it pushed.\n# Apply with `kubectl apply -k` on this folder; `push` rewrites it.\n{body}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_built_image_points_at_its_pushed_reference_once() {
        let text = overlay(&[
            (
                "team-stream:latest".into(),
                "r:5000/t/team-stream:0123456789ab".into(),
            ),
            (
                "team-stream:latest".into(),
                "r:5000/t/team-stream:0123456789ab".into(),
            ),
            (
                "team-api:latest".into(),
                "r:5000/t/team-api:ba9876543210".into(),
            ),
        ])
        .unwrap();
        let v: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        assert_eq!(v["resources"][0], "../k8s");
        let images = v["images"].as_sequence().unwrap();
        assert_eq!(images.len(), 2);
        assert_eq!(images[0]["name"], "team-api");
        assert_eq!(images[0]["newName"], "r:5000/t/team-api");
        assert_eq!(images[0]["newTag"], "ba9876543210");
        assert_eq!(images[1]["newName"], "r:5000/t/team-stream");
    }
}
