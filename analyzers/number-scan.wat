;; The inner loop of the number-array tokenizer (`snapshot-number-array.ts`), as WebAssembly: the
;; same grammar, about twice as fast as the same loop in JavaScript on V8 (no bounds checks, integer
;; arithmetic on i64 where JavaScript's must be double).
;;
;; It takes only the common case and stops, with the cursor on the token's first byte, at anything
;; else: a ']' (the array's end), a byte or a separator the grammar does not allow there, a number
;; of more than 15 digits, a number that runs to `end` (it may go on in the next chunk). The
;; JavaScript loop then takes that token, which gives every error its exact message and offset,
;; exactly as without this module.
;;
;; Compiled into `number-scan-wasm.ts` by `npm run build:wasm` (wabt); `test/number-scan.test.ts`
;; checks that the two agree.
;;
;; `node_rows` and `edge_rows` are the row loops of the nodes and edges readers (`NodeRows`,
;; `EdgeRows` in `snapshot-sections.ts`) for a memory that also holds the columns: each splits a
;; batch of whole rows into the columns, with the same checks, and stops at the first row that fails
;; one, which the JavaScript loop then takes, to word the error. The edges worker's memory holds
;; the edge columns (`edge-column-memory.ts`), the main thread's grows to hold the node columns.
(module
  (import "env" "memory" (memory 1 65536 shared))
  ;; Outputs besides the returned cursor: values written so far, and the grammar state.
  (global $count (export "count") (mut i32) (i32.const 0))
  (global $state (export "state") (mut i32) (i32.const 0))
  ;; Of `node_rows` and `edge_rows`: the largest string index so far (of a node's name, of a named
  ;; edge type's name_or_index), -1 if none.
  (global $maxName (export "maxName") (mut i64) (i64.const -1))
  ;; Of `node_rows`: the edge counts of the rows so far, summed.
  (global $edgeSum (export "edgeSum") (mut i64) (i64.const 0))
  ;; States, as in snapshot-number-array.ts: 0 after '[', 2 after a number, 3 after ','.
  ;; Reads bytes at [$pos, $end), writes u32 values at $out + 4 * index for index from $n below
  ;; $cap (saturated at 2^32 - 1). Returns where it stopped.
  (func (export "scan") (param $pos i32) (param $end i32) (param $out i32) (param $n i32) (param $cap i32) (param $st i32) (result i32)
    (local $c i32) (local $d i32) (local $start i32) (local $v i64)
    (block $stop
      (loop $next
        (br_if $stop (i32.ge_u (local.get $pos) (local.get $end)))
        (br_if $stop (i32.ge_u (local.get $n) (local.get $cap)))
        (local.set $c (i32.load8_u (local.get $pos)))
        (local.set $d (i32.sub (local.get $c) (i32.const 48)))
        (if (i32.lt_u (local.get $d) (i32.const 10))
          (then
            (br_if $stop (i32.eq (local.get $st) (i32.const 2)))
            (local.set $start (local.get $pos))
            (local.set $v (i64.extend_i32_u (local.get $d)))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (block $digits_end
              (loop $digits
                (br_if $digits_end (i32.ge_u (local.get $pos) (local.get $end)))
                (local.set $d (i32.sub (i32.load8_u (local.get $pos)) (i32.const 48)))
                (br_if $digits_end (i32.ge_u (local.get $d) (i32.const 10)))
                (local.set $v (i64.add (i64.mul (local.get $v) (i64.const 10)) (i64.extend_i32_u (local.get $d))))
                (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
                (br $digits)))
            ;; Cut by `end`, or too long to be exact: the caller's.
            (if (i32.or (i32.ge_u (local.get $pos) (local.get $end))
                        (i32.gt_u (i32.sub (local.get $pos) (local.get $start)) (i32.const 15)))
              (then
                (local.set $pos (local.get $start))
                (br $stop)))
            (i32.store
              (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2)))
              (select (i32.const -1) (i32.wrap_i64 (local.get $v)) (i64.gt_u (local.get $v) (i64.const 0xffffffff))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (local.set $st (i32.const 2))
            ;; The common next bytes, a ',' or V8's row break "\n," (the digits loop has checked
            ;; that $pos < $end), taken here rather than by more turns of the loop's dispatch.
            (local.set $c (i32.load8_u (local.get $pos)))
            (if (i32.eq (local.get $c) (i32.const 44))
              (then
                (local.set $st (i32.const 3))
                (local.set $pos (i32.add (local.get $pos) (i32.const 1))))
              (else
                (if (i32.and
                      (i32.eq (local.get $c) (i32.const 10))
                      (i32.lt_u (i32.add (local.get $pos) (i32.const 1)) (local.get $end)))
                  (then
                    (if (i32.eq (i32.load8_u (i32.add (local.get $pos) (i32.const 1))) (i32.const 44))
                      (then
                        (local.set $st (i32.const 3))
                        (local.set $pos (i32.add (local.get $pos) (i32.const 2)))))))))
            (br $next)))
        (if (i32.eq (local.get $c) (i32.const 44))
          (then
            (br_if $stop (i32.ne (local.get $st) (i32.const 2)))
            (local.set $st (i32.const 3))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (br $next)))
        (if (i32.or
              (i32.or (i32.eq (local.get $c) (i32.const 10)) (i32.eq (local.get $c) (i32.const 32)))
              (i32.or (i32.eq (local.get $c) (i32.const 13)) (i32.eq (local.get $c) (i32.const 9))))
          (then
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (br $next)))))
    (global.set $count (local.get $n))
    (global.set $state (local.get $st))
    (local.get $pos))

  ;; The plain strings of `strings` (`snapshot-strings.ts`): bytes 0x20-0x7f between quotes, no
  ;; backslash. States as there: 0 after '[', 1 after ',', 2 after a string. Reads [$pos, $end),
  ;; writes the address of each plain string's first byte at $out + 4 * index for index from $n
  ;; below $cap. Stops, with the cursor on it, at anything else: a string that is not plain or does
  ;; not end before $end (the cursor on its opening quote), a ']', a byte out of place; or at $end,
  ;; or with the batch full. Returns where it stopped; `count` and `state` as for `scan`.
  (func (export "string_scan") (param $pos i32) (param $end i32) (param $out i32) (param $n i32) (param $cap i32) (param $st i32) (result i32)
    (local $c i32) (local $j i32)
    (block $stop
      (loop $next
        (br_if $stop (i32.ge_u (local.get $pos) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $pos)))
        (if (i32.and (i32.eq (local.get $c) (i32.const 34)) (i32.ne (local.get $st) (i32.const 2)))
          (then
            (br_if $stop (i32.ge_u (local.get $n) (local.get $cap)))
            (local.set $j (i32.add (local.get $pos) (i32.const 1)))
            (block $closed
              (loop $chars
                (br_if $stop (i32.ge_u (local.get $j) (local.get $end)))
                (local.set $c (i32.load8_u (local.get $j)))
                (br_if $closed (i32.eq (local.get $c) (i32.const 34)))
                ;; Below 0x20, 0x80 and up, or a backslash: not plain, the caller's.
                (br_if $stop (i32.or (i32.ge_u (i32.sub (local.get $c) (i32.const 0x20)) (i32.const 0x60))
                                     (i32.eq (local.get $c) (i32.const 92))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $chars)))
            (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))) (i32.add (local.get $pos) (i32.const 1)))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (local.set $st (i32.const 2))
            (local.set $pos (i32.add (local.get $j) (i32.const 1)))
            (br $next)))
        (if (i32.and (i32.eq (local.get $c) (i32.const 44)) (i32.eq (local.get $st) (i32.const 2)))
          (then
            (local.set $st (i32.const 1))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (br $next)))
        (if (i32.or
              (i32.or (i32.eq (local.get $c) (i32.const 10)) (i32.eq (local.get $c) (i32.const 32)))
              (i32.or (i32.eq (local.get $c) (i32.const 13)) (i32.eq (local.get $c) (i32.const 9))))
          (then
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (br $next)))))
    (global.set $count (local.get $n))
    (global.set $state (local.get $st))
    (local.get $pos))

  ;; Rows of `nodes` from the batch at $in ($stride bytes per row, fields at byte offsets $typeOff,
  ;; $nameOff, $idOff, $sizeOff, $edgesOff, and $detachedOff or -1 without that field) into the
  ;; columns, row $r at $typeOut + $r and $detachedOut + $r (u8), and at 4 * $r past $nameOut, $idOut,
  ;; $sizeOut and $firstEdgeOut (where the running edge sum after the row goes: the next node's first
  ;; edge). A row is taken when its type is below $typeLimit, the edge counts so far stay within
  ;; $edgeCount and its detachedness fits in a byte. Returns the rows taken: $rows, or the index of
  ;; the first row that fails, for which nothing was written.
  (func (export "node_rows") (param $in i32) (param $rows i32) (param $stride i32)
        (param $typeOff i32) (param $nameOff i32) (param $idOff i32) (param $sizeOff i32) (param $edgesOff i32) (param $detachedOff i32)
        (param $typeOut i32) (param $nameOut i32) (param $idOut i32) (param $sizeOut i32) (param $firstEdgeOut i32) (param $detachedOut i32)
        (param $typeLimit i32) (param $edgeCount i32) (result i32)
    (local $r i32) (local $type i32) (local $name i32) (local $detached i32) (local $at i32)
    (local $sum i64) (local $max i64) (local $limit i64)
    (local.set $max (global.get $maxName))
    (local.set $sum (global.get $edgeSum))
    (local.set $limit (i64.extend_i32_u (local.get $edgeCount)))
    (block $stop
      (loop $next
        (br_if $stop (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $type (i32.load (i32.add (local.get $in) (local.get $typeOff))))
        (br_if $stop (i32.ge_u (local.get $type) (local.get $typeLimit)))
        (br_if $stop (i64.gt_u
          (i64.add (local.get $sum) (i64.extend_i32_u (i32.load (i32.add (local.get $in) (local.get $edgesOff)))))
          (local.get $limit)))
        (if (i32.ge_s (local.get $detachedOff) (i32.const 0))
          (then
            (local.set $detached (i32.load (i32.add (local.get $in) (local.get $detachedOff))))
            (br_if $stop (i32.gt_u (local.get $detached) (i32.const 255)))
            (i32.store8 (i32.add (local.get $detachedOut) (local.get $r)) (local.get $detached))))
        (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (i32.load (i32.add (local.get $in) (local.get $edgesOff))))))
        (local.set $name (i32.load (i32.add (local.get $in) (local.get $nameOff))))
        (local.set $at (i32.shl (local.get $r) (i32.const 2)))
        (i32.store8 (i32.add (local.get $typeOut) (local.get $r)) (local.get $type))
        (i32.store (i32.add (local.get $nameOut) (local.get $at)) (local.get $name))
        (i32.store (i32.add (local.get $idOut) (local.get $at)) (i32.load (i32.add (local.get $in) (local.get $idOff))))
        (i32.store (i32.add (local.get $sizeOut) (local.get $at)) (i32.load (i32.add (local.get $in) (local.get $sizeOff))))
        (i32.store (i32.add (local.get $firstEdgeOut) (local.get $at)) (i32.wrap_i64 (local.get $sum)))
        (if (i64.gt_s (i64.extend_i32_u (local.get $name)) (local.get $max))
          (then (local.set $max (i64.extend_i32_u (local.get $name)))))
        (local.set $in (i32.add (local.get $in) (local.get $stride)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next)))
    (global.set $maxName (local.get $max))
    (global.set $edgeSum (local.get $sum))
    (local.get $r))

  ;; Rows of `edges` from the batch at $in (u32 values, $stride bytes per row, fields at byte offsets
  ;; $typeOff, $nameOff, $toOff) into the columns: type (u8) at $typeOut, name_or_index at $nameOut,
  ;; to_node / nodeWidth (the node ordinal) at $toOut, row $r at $typeOut + $r and at 4 * $r past
  ;; the others. A row is taken when its type is below $typeLimit and its to_node a multiple of
  ;; nodeWidth whose ordinal is below $ordinalLimit; $namedMask has bit t set for the types whose
  ;; name_or_index is a string index (for $maxName). Returns the rows taken: $rows, or the index of
  ;; the first row that fails.
  ;;
  ;; No division: nodeWidth is 2^$shift times an odd m, and $inverse is m's inverse modulo 2^32. For
  ;; a multiple of nodeWidth, (to >> $shift) * $inverse (wrapping) is the exact quotient; every
  ;; other value either has one of the low $shift bits set or lands above (2^32 - 1) / m, which is at
  ;; least $ordinalLimit (the caller's `edgeRowDivision`). An i32.div_u per row cost more than the
  ;; rest of the row.
  (func (export "edge_rows") (param $in i32) (param $rows i32) (param $stride i32)
        (param $typeOff i32) (param $nameOff i32) (param $toOff i32)
        (param $typeOut i32) (param $nameOut i32) (param $toOut i32)
        (param $shift i32) (param $inverse i32) (param $typeLimit i32) (param $ordinalLimit i32) (param $namedMask i32) (result i32)
    (local $r i32) (local $type i32) (local $to i32) (local $ordinal i32) (local $name i32) (local $max i64)
    (local.set $max (global.get $maxName))
    (block $stop
      (loop $next
        (br_if $stop (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $type (i32.load (i32.add (local.get $in) (local.get $typeOff))))
        (local.set $to (i32.load (i32.add (local.get $in) (local.get $toOff))))
        (br_if $stop (i32.ge_u (local.get $type) (local.get $typeLimit)))
        (br_if $stop (i32.ne (i32.shl (i32.shr_u (local.get $to) (local.get $shift)) (local.get $shift)) (local.get $to)))
        (local.set $ordinal (i32.mul (i32.shr_u (local.get $to) (local.get $shift)) (local.get $inverse)))
        (br_if $stop (i32.ge_u (local.get $ordinal) (local.get $ordinalLimit)))
        (local.set $name (i32.load (i32.add (local.get $in) (local.get $nameOff))))
        (i32.store8 (i32.add (local.get $typeOut) (local.get $r)) (local.get $type))
        (i32.store (i32.add (local.get $nameOut) (i32.shl (local.get $r) (i32.const 2))) (local.get $name))
        (i32.store (i32.add (local.get $toOut) (i32.shl (local.get $r) (i32.const 2))) (local.get $ordinal))
        (if (i32.and (i32.shr_u (local.get $namedMask) (local.get $type)) (i32.const 1))
          (then
            (if (i64.gt_s (i64.extend_i32_u (local.get $name)) (local.get $max))
              (then (local.set $max (i64.extend_i32_u (local.get $name)))))))
        (local.set $in (i32.add (local.get $in) (local.get $stride)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next)))
    (global.set $maxName (local.get $max))
    (local.get $r))
)
