set f [open corpus.txt w]
foreach i {1 2 3} { puts $f [expr {$i * $i}] }
close $f
set f [open corpus.txt r]
set total 0
while {[gets $f line] >= 0} { incr total $line }
close $f
puts "total $total"
