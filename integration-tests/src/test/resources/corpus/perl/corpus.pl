use strict;
use warnings;
use File::Temp qw(tempfile);

my ($fh, $name) = tempfile(DIR => '.', UNLINK => 1);
print $fh join("\n", map { $_ * $_ } 1 .. 10), "\n";
close $fh;
open(my $in, '<', $name) or die "$name: $!";
my $sum = 0;
$sum += $_ while <$in>;
close $in;
my %seen = map { $_ => 1 } split //, "sandbox";
print "sum $sum, letters ", join('', sort keys %seen), "\n";
