from apps.events.public import domain_signal

thing_happened = domain_signal("probe.ThingHappened.v1")
flaky_thing = domain_signal("probe.FlakyThing.v1")
slow_thing = domain_signal("probe.SlowThing.v1")
unheard_thing = domain_signal("probe.UnheardThing.v1")
