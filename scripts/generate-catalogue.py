#!/usr/bin/env python3
"""Writes a deterministic Markdown catalogue page of ROWS resources to stdout.

    scripts/generate-catalogue.py ROWS [SEED] > page.md

Rows are `| Title | authors | year | link | topic | level |` under kind headings (courses,
tutorials, papers, videos, books): one to three authors drawn from 400 family names (a few
with accents), years 1990 to 2025, four levels, about 1,800 topics (word pairs); one row in ten has
the topic "deep learning", so that concept links to ROWS / 10 resources. A `## Metrics`
section adds ROWS / 100 concepts of one category. The same arguments always give the
same page; SEED changes titles and URLs (another page of distinct resources).
"""
import random
import sys

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
seed = sys.argv[2] if len(sys.argv) > 2 else "lore"
rng = random.Random(f"{seed}:{rows}")

FIRST = ("graph neural computer statistical bayesian sparse robust federated causal "
         "quantum generative recurrent convolutional probabilistic online contrastive "
         "reinforcement transfer meta few-shot self-supervised multimodal efficient "
         "distributed differentiable kernel spectral variational adversarial "
         "interpretable continual geometric symbolic neural-symbolic active").split()
SECOND = ("networks vision inference models optimisation learning search reasoning "
          "transformers embeddings retrieval segmentation detection tracking planning "
          "control translation summarisation parsing clustering ranking forecasting "
          "compression attention sampling estimation alignment generation robotics "
          "recommendation speech audio graphs fairness privacy theory calibration "
          "benchmarks datasets agents memory hardware compilers tokenisation pruning "
          "distillation quantisation").split()
TOPICS = [f"{a} {b}" for a in FIRST for b in SECOND]  # ~1,800
LEVELS = ["beginner", "intermediate", "advanced", "multiple"]
KINDS = ["Courses", "Tutorials", "Papers", "Videos", "Books"]
FAMILIES = [f"{a}{b}" for a in ("Nguyen Müller Smith García Kowalski Okafor Tanaka Ivanova "
                                  "Silva Dubois Rossi Novák Larsen Chen Haddad Costa Björk "
                                  "Patel Cohen Řezník").split()
            for b in ("", "son", "berg", "ley", "ez", "ini", "ov", "ová", "sen", "man",
                      "ski", "ard", "ton", "ell", "er", "o", "a", "us", "ic", "y")]  # 400
GIVEN = "Ada Alan Grace Yann Fei Geoffrey Yoshua Andrew Daphne Judea Cynthia Leslie".split()
WORDS = ("introduction practical guide lectures notes primer handbook foundations "
         "advanced applied modern hands-on complete crash course masterclass").split()

out = sys.stdout
out.write(f"# Generated catalogue ({rows} resources)\n\n")
section = 2000
for start in range(0, rows, section):
    kind = KINDS[(start // section) % len(KINDS)]
    out.write(f"## {kind}\n\n| Title | authors | year | link | topic | level |\n"
              "|---|---|---|---|---|---|\n")
    for i in range(start, min(rows, start + section)):
        topic = "deep learning" if i % 10 == 0 else rng.choice(TOPICS)
        words = " ".join(rng.sample(WORDS, 2)).capitalize()
        title = f"{words} {topic} {seed} {i}"
        url = f"https://example.org/{seed}/{i}/{rng.randrange(1 << 30):x}"
        authors = ", ".join(f"{rng.choice(GIVEN)} {rng.choice(FAMILIES)}"
                            for _ in range(rng.randint(1, 3)))
        year = rng.randint(1990, 2025)
        out.write(f"| {title} | {authors} | {year} | {url} | {topic} | {LEVELS[i % 4]} |\n")
    out.write("\n")
out.write("## Metrics\n\n")
for i in range(max(1, rows // 100)):
    out.write(f"* Metric {seed} {i}\n")
