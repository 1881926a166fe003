//! validate, resolve and render at 1, 10, 100 and 1,000 servers (`cargo bench --bench pipeline`).
//! validate includes parsing; `parse` and `index` time parsing alone and the pass over the YAML
//! events that finds line numbers and refuses hostile shapes before the deserializer runs.
//! Each stage is timed alone, on the stack `support/stack_gen.rs` writes; nothing is written
//! to the output folder (the writer's cost is measured by `bench/render.sh`).

#[path = "support/stack_gen.rs"]
mod stack_gen;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mcpstack::config;
use mcpstack::model;
use mcpstack::render::{self, Templates};
use std::collections::BTreeMap;
use std::hint::black_box;

const SIZES: [usize; 4] = [1, 10, 100, 1000];

fn stages(c: &mut Criterion) {
    let mut group = c.benchmark_group("pipeline");
    group.sample_size(20);
    let templates = Templates::with_overrides(BTreeMap::new());
    for n in SIZES {
        let dir = tempfile::tempdir().unwrap();
        stack_gen::write_stack(dir.path(), n);
        let file = dir.path().join("mcp-stack.yaml");
        let text = std::fs::read_to_string(&file).unwrap();
        let parse =
            || config::parse(file.clone(), dir.path().to_path_buf(), text.clone()).expect("parses");
        let (cfg, source) = parse();
        let facts = config::validate(&cfg, &source).expect("valid");
        let stack = model::resolve(&cfg, &facts, &source);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("parse", n), &n, |b, _| {
            b.iter(|| black_box(parse()))
        });
        // The one pass over the YAML: the tree and the index of key positions.
        group.bench_with_input(BenchmarkId::new("read", n), &n, |b, _| {
            b.iter(|| black_box(config::yaml::read(&text).expect("reads")))
        });
        group.bench_with_input(BenchmarkId::new("validate", n), &n, |b, _| {
            b.iter(|| {
                let (cfg, source) = parse();
                black_box(config::validate(&cfg, &source).expect("valid"))
            })
        });
        group.bench_with_input(BenchmarkId::new("resolve", n), &n, |b, _| {
            b.iter(|| black_box(model::resolve(&cfg, &facts, &source)))
        });
        group.bench_with_input(BenchmarkId::new("render", n), &n, |b, _| {
            b.iter(|| black_box(render::render(&stack, &templates).expect("renders")))
        });
    }
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
