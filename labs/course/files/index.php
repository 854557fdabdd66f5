<?php echo "Hello from PHP " . PHP_VERSION . " on " . gethostname() . "\n";
