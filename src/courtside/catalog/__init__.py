"""courtside.catalog"""
