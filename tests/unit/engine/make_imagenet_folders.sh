#!/bin/sh
# ImageNet's folder layouts, tiny, with random 28 x 28 grey PGM images:
#   OUT/train/nXXXXXXXX/iK.pgm   CLASSES wnid class folders (n00000000, n00000001, ...) of PER_CLASS
#   OUT/val/vI.pgm, labels.txt   VAL images in one flat folder, labelled "vI.pgm I%CLASSES"
# usage: make_imagenet_folders.sh OUT CLASSES PER_CLASS VAL
set -eu
out=$1
classes=$2
per_class=$3
val=$4
picture() {
  { printf 'P5\n28 28\n255\n'; head -c 784 /dev/urandom; } >"$1"
}
class=0
while [ "$class" -lt "$classes" ]; do
  folder=$out/train/$(printf 'n%08d' "$class")
  mkdir -p "$folder"
  k=0
  while [ "$k" -lt "$per_class" ]; do
    picture "$folder/i$k.pgm"
    k=$((k + 1))
  done
  class=$((class + 1))
done
mkdir -p "$out/val"
: >"$out/val/labels.txt"
i=0
while [ "$i" -lt "$val" ]; do
  picture "$out/val/v$i.pgm"
  echo "v$i.pgm $((i % classes))" >>"$out/val/labels.txt"
  i=$((i + 1))
done
