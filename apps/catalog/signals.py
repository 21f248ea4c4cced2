from apps.events.public import domain_signal

product_price_changed = domain_signal("catalog.ProductPriceChanged.v1")
stock_low = domain_signal("catalog.StockLow.v1")
