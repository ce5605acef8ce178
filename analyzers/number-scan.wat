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
(module
  (import "env" "memory" (memory 1))
  ;; Outputs besides the returned cursor: values written so far, and the grammar state.
  (global $count (export "count") (mut i32) (i32.const 0))
  (global $state (export "state") (mut i32) (i32.const 0))
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
)
