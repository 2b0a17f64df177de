#!/usr/bin/env bash
# The paper figures and tables of the default study in a LaTeX document: `blobflow study default --paper` (run by the
# test default_study_paper into OUT_DIR/study) writes rates.tex and per curve figure NAME.pdf and NAME-latex.tex
# (cairolatex); a small article \input's rates.tex, includes every NAME.pdf, \input's every NAME-latex.tex, and must
# compile with pdflatex without an error, an undefined reference or a missing character; pdftoppm renders its pages
# to PNG (OUT_DIR/page-N.png) for a look.
# Usage: paper_document.sh OUT_DIR. Exit code 77 (skipped) without pdflatex or without the rendered figures.
set -euo pipefail
out=$1
if ! command -v pdflatex >/dev/null 2>&1; then
  echo "pdflatex is not installed (cmake/setup-debian.sh installs it): skipped"
  exit 77
fi
if ! command -v gnuplot >/dev/null 2>&1; then
  echo "gnuplot is not installed: no figures to include: skipped"
  exit 77
fi
cd "$out"
rm -f paper.* page-*.png

shopt -s nullglob
pdfs=()
for f in study/figures/*.pdf; do
  case "$f" in *-latex.pdf) ;; *) pdfs+=("$f") ;; esac
done
latex=(study/figures/*-latex.tex)
[ ${#pdfs[@]} -gt 0 ] || { echo "no PDF figure in $out/study/figures" >&2; exit 1; }
[ ${#latex[@]} -eq ${#pdfs[@]} ] || { echo "${#pdfs[@]} PDF figures but ${#latex[@]} cairolatex ones" >&2; exit 1; }

{
  cat <<'TEX'
\documentclass{article}
\usepackage[margin=2cm]{geometry}
\usepackage{graphicx,booktabs,dcolumn,color}
\graphicspath{{study/figures/}}
\begin{document}
\section*{blobflow: the default study}
Tables~\ref{tab:w2-vs-N} and~\ref{tab:integrator-order} and the figures below are written by
\texttt{blobflow study default --paper}.
\input{study/rates.tex}
TEX
  for f in "${pdfs[@]}"; do
    name=$(basename "$f" .pdf)
    printf '\\begin{figure}[htbp]\\centering\\includegraphics[width=0.6\\textwidth]{%s}\\caption{\\texttt{%s.pdf}}\\end{figure}\n' \
      "$f" "${name//_/\\_}"
  done
  for f in "${latex[@]}"; do
    name=$(basename "$f" .tex)
    printf '\\begin{figure}[htbp]\\centering\\input{%s}\\caption{\\texttt{%s.tex} (cairolatex)}\\end{figure}\n' \
      "$f" "${name//_/\\_}"
  done
  echo '\end{document}'
} > paper.tex

# Twice: the second run resolves the references.
for pass in 1 2; do
  if ! pdflatex -interaction=nonstopmode -halt-on-error paper.tex > pdflatex.log 2>&1; then
    grep -A5 '^!' paper.log >&2 || tail -30 pdflatex.log >&2
    exit 1
  fi
done
if grep -E "Reference .* undefined|Missing character|Unicode character" paper.log >&2; then
  echo "paper.tex: undefined references or missing characters (paper.log)" >&2
  exit 1
fi
pages=$(grep -o 'Output written on paper.pdf ([0-9]* page' paper.log | grep -o '[0-9]* page' | cut -d' ' -f1)
if command -v pdftoppm >/dev/null 2>&1; then
  pdftoppm -png -r 80 paper.pdf page
fi
echo "$out/paper.pdf: $pages pages, ${#pdfs[@]} PDF and ${#latex[@]} cairolatex figures; pages as $out/page-*.png"
