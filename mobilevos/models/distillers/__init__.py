"""mobilevos.models.distillers"""
